"""One run in full: what it was given, what it measured, saved and logged.

The screen is pushed over the browser (or the live dashboard) by ``OpenRun``. It is
shaped around three costs:

* **First paint is free.** The headline, status and parameters come from the run's
  row in the tree index, already in memory, so the screen draws at once.
* **Files are read on worker threads.** The full record (traceback, provenance,
  artifacts), the list of stepped metrics (which may mean parsing large sealed
  files), each curve and each artifact are read by thread workers that post typed
  messages back; a worker in the same group replaces one still running.
* **A live run is followed, not re-read.** While the record says ``running`` one poll
  every :data:`POLL_EVERY` seconds (the next scheduled only when the last has
  finished) re-reads the record, reads the logs from the byte offset already shown
  and re-reads the curve on display. When the status turns final everything is
  loaded once more and polling stops. The runner touches a live record every 2 s, so
  a record untouched for :data:`STALE_AFTER` seconds is shown as stale: its runner
  probably died.

A package because the screen has five tabs and two kinds of background read, each
its own module; the screen is the frame (header, tabs, keys, the reads that feed
them) and each tab is a widget that lays out, fills and handles its own part:

* :mod:`.screen`: :class:`RunDetailScreen`, its header, keys, reads and polling.
* :mod:`.overview`: the status line and the Overview tab (:func:`status_headline`,
  :func:`format_duration`, :class:`~.overview.OverviewTab`).
* :mod:`.metrics`: the Metrics tab, each metric's rank among the experiment's runs
  (:func:`metric_places`, :class:`~.metrics.MetricsTab`; which way a metric is
  better is :mod:`metalab.index.direction`).
* :mod:`.curves`: the Curves tab, a stepped metric raw and EMA-smoothed
  (:class:`~.curves.CurvesTab`).
* :mod:`.artifacts`: the Artifacts tab, listing and loading artifacts and data files
  (:class:`~.artifacts.ArtifactsTab`).
* :mod:`.log_reads`: what is read of a log, from its end (never the whole file): the
  last lines, the lines since the last poll, a page before, a window at a byte offset.
* :mod:`.logs`: :class:`RunLog`, the view of a window of one log, and :class:`LogLine`
  (``OpenRun(..., at_log=...)`` opens the tab at that line).
* :mod:`.logs_tab`: the Logs tab (:class:`~.logs_tab.LogsTab`): a tab per log, the
  filter, following, opening at a line.
* :mod:`.tab`: what the tabs share with the screen (a failed read reported, a tab's
  attributes read on the screen).
* :mod:`.snapshot`: the full read of a run when it is opened (and when it ends).
* :mod:`.polling`: what each poll of a live run reads.

The numbers the screen shows come from plain functions and data in these modules, so
they can be tested without it.
"""

from tui.browser.run_detail.logs import LogLine, RunLog
from tui.browser.run_detail.metrics import MetricPlace, metric_places
from tui.browser.run_detail.overview import STALE_AFTER, format_duration, status_headline
from tui.browser.run_detail.polling import POLL_EVERY
from tui.browser.run_detail.screen import RunDetailScreen

__all__ = [
    "POLL_EVERY",
    "STALE_AFTER",
    "LogLine",
    "MetricPlace",
    "RunDetailScreen",
    "RunLog",
    "format_duration",
    "metric_places",
    "status_headline",
]
