"""The browser's compare tab: the table (:mod:`.tab`), which fields differ
(:mod:`.model`), the curves every compared run has (:mod:`.curves`), and an artifact
cell's preview (:mod:`.artifact_preview`)."""
