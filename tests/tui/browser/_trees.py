"""The run detail and compare tests' trees (imported as ``_trees``), from ``support.trees``.

* :func:`build_probe_tree`: ``probe:1`` written by metalab, then moved (its artifact
  uris point at a folder that no longer exists).
* :func:`build_fixed_tree` / :func:`shared_fixed_tree`: ``demo:1`` laid out by hand
  with fixed ids, times and hosts, for snapshots.
* :func:`build_reference_tree`: ``ref_sweep:0.3`` in the reference's format from alice's
  machine (absolute uris under ``/home/alice``, the artifact files in the tree all the
  same); :func:`ref_run_ids` are its runs, the first a success with ``weights``.
"""

from __future__ import annotations

from support.ops_probe import probe as probe
from support.trees import FIXED_FAILED as FIXED_FAILED
from support.trees import FIXED_ID as FIXED_ID
from support.trees import FIXED_METRICS as FIXED_METRICS
from support.trees import FIXED_RUNS as FIXED_RUNS
from support.trees import FIXED_TRACEBACK as FIXED_TRACEBACK
from support.trees import PROBE_ID as PROBE_ID
from support.trees import PROBE_LRS as PROBE_LRS
from support.trees import PROBE_STEPS as PROBE_STEPS
from support.trees import PROBE_WIDTHS as PROBE_WIDTHS
from support.trees import REF_ID as REF_ID
from support.trees import build_fixed_tree as build_fixed_tree
from support.trees import build_probe_tree as build_probe_tree
from support.trees import build_reference_tree as build_reference_tree
from support.trees import fixed_curve as fixed_curve
from support.trees import ref_run_ids as ref_run_ids
from support.trees import shared_fixed_tree as shared_fixed_tree
