"""The browser's runs tab: the table (:mod:`.tab`), its cells (:mod:`.cells`), the lines
above and below it (:mod:`.lines`), its keys (:mod:`.keys`), and export (:mod:`.export`,
:mod:`.export_dialog`)."""
