"""The browser's experiments tab: the list (:mod:`.tab`), its keys (:mod:`.keys`), the
detail of the experiment under the cursor (:mod:`.overview`, :mod:`.detail`) and its
SLURM array badge (:mod:`.slurm_badge`)."""
