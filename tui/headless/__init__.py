"""``metalab-tui --no-ui``: run the sweeps of an experiment file without a terminal UI, for CI.

* :mod:`.runner`: :func:`run_headless`, status lines or ``--json`` events, exit codes.
* :mod:`.junit`: the ``--junit`` report, one test case per run.

Imports neither textual nor plotext.
"""

from tui.headless.runner import run_headless

__all__ = ["run_headless"]
