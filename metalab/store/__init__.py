"""The results tree on disk: where every file of a sweep lives, and how it is written.

The layout is the reference implementation's (so either implementation reads the
other's trees); the write discipline is stricter: files that are replaced are
replaced atomically, stepped metrics are appended while the run is live, and
artifact paths resolve relative to the tree so a moved tree still loads.
"""

from metalab.store.filestore import FileStore, open_store
from metalab.store.layout import TreeLayout, find_experiment_dirs, safe_experiment_id

__all__ = ["FileStore", "TreeLayout", "find_experiment_dirs", "open_store", "safe_experiment_id"]
