"""The live dashboard (``metalab-tui``): runs a sweep in a child process and shows it.

* :mod:`.app`: :class:`MetalabApp`, the experiment picker, then the dashboard.
* :mod:`.session`: :class:`SweepSession`, the child ``--no-ui --json`` process whose
  events feed the screen, and the results tree it writes.
* :mod:`.curve_follower`: reads each run's stepped curves from the tree as they grow.
* :mod:`.dashboard`: the dashboard screen: header, runs table, curve pane, log pane.
* :mod:`.runs_table`, :mod:`.sweep_header`, :mod:`.log_pane`: its widgets.
* :mod:`.picker`: choosing one experiment of a file that defines several.
"""
