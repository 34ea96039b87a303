"""The browser's plots tab: the tab (:mod:`.tab`), what it draws (:mod:`.config`,
:mod:`.scope`, :mod:`.presets`), its controls and keys (:mod:`.controls`, :mod:`.keys`),
scalar charts (:mod:`.scalar`) and curves (:mod:`.curves`, :mod:`.curve_requests`)."""
