"""The live dashboard of one sweep: header, runs table, curves and the selected run's log.

The sweep runs in a child process, followed by a thread worker; its events land in a
:class:`~tui.live.session.SweepSession`.
A timer reads the session ten times a second and updates only what changed, so
the screen's cost is fixed whatever the logging rate and keys stay responsive. The
table, header and curves are updated at most every ``LIVE_EVERY`` seconds while the
sweep runs: each update may redraw the rows on screen and a plot frame, which costs
CPU the child's workers could use and delays the next key. Keys act at once,
whatever the cadence.

Nothing in a refresh scans every run: the table is told which runs changed and draws
only the rows in view, the plot follows the runs in flight and the selected one, and
"all curves" draws at most ``MAX_CURVES`` of them, spread evenly over the sweep (and
the same from one refresh to the next), and says so. What the screen costs a second
does not grow with the number of runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from metalab.errors import MetalabError
from tui.live.log_pane import LogPane
from tui.live.runs_table import RunsTable
from tui.live.session import SweepSession
from tui.live.sweep_header import SweepHeader
from tui.plotting.render import Series
from tui.widgets.curve_plot import CurvePlot
from tui.widgets.dialogs import ConfirmScreen, HelpScreen, HelpSection, binding_rows
from tui.widgets.row_keys import ROW_KEYS

__all__ = ["DashboardScreen"]

TICK = 0.1
"""Seconds between reads of the session (the log pane follows at this rate)."""

LIVE_EVERY = 0.5
"""Seconds between updates of the runs table, header and curves while the sweep runs."""

MAX_CURVES = 200
"""The most curves "all curves" draws; beyond it, an even sample of the finished runs."""


class DashboardScreen(Screen[int]):
    """Runs one experiment's sweep and shows it live; stays up when it ends."""

    BINDINGS = [
        Binding(
            "q",
            "quit_sweep",
            "Quit",
            id="dashboard-quit",
            tooltip="Quit (asks first while running)",
        ),
        Binding(
            "l", "toggle_log_y", "Log y", id="dashboard-log-y", tooltip="Toggle a log-scaled y axis"
        ),
        Binding(
            "c",
            "cycle_color",
            "Colour by",
            id="dashboard-color",
            tooltip="Colour curves by the next parameter",
        ),  # fmt: skip
        Binding(
            "a",
            "toggle_all",
            "All curves",
            id="dashboard-all",
            tooltip="Show every run's curve, or only running and selected runs",
        ),  # fmt: skip
        Binding(
            "b",
            "browse",
            "Browse",
            id="dashboard-browse",
            tooltip="Open the results browser on this tree",
        ),
        Binding("question_mark,f1", "help", "Help", id="dashboard-help"),
    ]

    def __init__(self, session: SweepSession) -> None:
        super().__init__()
        self.session = session
        spec = session.spec
        self.param_keys = _param_keys(spec)
        self.color_keys = self.param_keys or [""]
        self.color_by = self.color_keys[0]
        self.show_all = False
        self.state = "starting"
        self.note = ""
        self.selected: str | None = None
        self.sampled: tuple[int, int] | None = None  # (curves drawn, runs started)
        self._domain_key: tuple[str, int] | None = None
        self._domain: list[object] = []
        self._shown_key: tuple[object, ...] = ()
        self._log_rev: tuple[str | None, int] = (None, -1)
        self._quit_when_done = False
        self._last_full = 0.0
        self._last_live = 0.0
        self.exit_code: int | None = None

    def compose(self) -> ComposeResult:
        spec = self.session.spec
        yield SweepHeader(id="sweep-header")
        with Horizontal(id="main"):
            yield RunsTable(
                self.param_keys,
                spec.display.metric,
                param_values=_param_values(spec, self.param_keys),
                id="runs",
            )
            yield CurvePlot(id="plot")
        yield LogPane(id="log")
        from textual.widgets import Footer

        yield Footer()

    def on_mount(self) -> None:
        spec = self.session.spec
        self.title = f"{spec.name} {spec.version}"
        self.query_one(CurvePlot).title = self._plot_title()
        self.query_one("#log", LogPane).border_title = "log"
        self.set_interval(TICK, self.refresh_from_session)
        self.run_sweep()

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False, description="sweep")
    def run_sweep(self) -> int:
        self.state = "running"
        return self.session.follow()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sweep":
            return
        if event.state is WorkerState.SUCCESS:
            self.state = "cancelled" if self.session.cancelling else "done"
            self.exit_code = self.session.exit_code()
            self.note = f"{self.session.summary()} · results in {self.session.results_path}"
            self.notify(self.note, title=f"sweep {self.state}", timeout=8)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self.state = "error"
            self.exit_code = 2 if isinstance(error, MetalabError) else 1
            self.note = str(error)
            self.notify(str(error), title="the sweep could not run", severity="error", timeout=30)
        else:
            return
        self.refresh_from_session(force=True)
        if self._quit_when_done:
            self.app.exit(self.exit_code)

    def on_unmount(self) -> None:
        # The app is going away without the quit dialog (an error, or exit() from
        # elsewhere): cancel the sweep, or the process would wait for every run to end.
        if self.session.running and not self.session.cancelling:
            self.session.cancel()

    # -- the refresh loop ----------------------------------------------------------------

    def refresh_from_session(self, force: bool = False) -> None:
        session = self.session
        tracker = session.tracker
        now = time.monotonic()
        if not force and now - self._last_live < LIVE_EVERY:
            self._refresh_log()
            return
        self._last_live = now
        changed = session.take_changed()
        table = self.query_one(RunsTable)
        runs = tracker.runs
        clock = session.clock()
        if len(runs) != len(table.states):  # runs were added: take the tracker's order
            table.set_runs(list(runs.values()), clock)
        elif changed:
            table.sync([runs[r] for r in changed if r in runs], clock)
        if session.cluster.seen:
            table.show_workers(session.cluster.ever)
        if force or now - self._last_full >= 1.0:  # elapsed times tick once a second
            self._last_full = now
            table.tick(clock)
        if self.selected is None:
            self.selected = table.selected_run
        note = self.note or session.cluster.summary()
        self.query_one(SweepHeader).show(self.title or "", tracker, self.state, note)
        self._refresh_plot()
        self._refresh_log()

    def _shown_runs(self) -> list[str]:
        """The runs whose curves are drawn: those in flight and the selected one, or with
        "all curves" every run that has started (pending ones have no curve yet), at
        most ``MAX_CURVES`` of them (the rest an even sample)."""
        shown = self.session.in_flight()
        if self.selected and self.selected not in shown:
            shown.append(self.selected)
        self.sampled = None
        if self.show_all:
            started = self.session.started()
            if len(started) + len(shown) <= MAX_CURVES:
                return list(dict.fromkeys([*started, *shown]))
            fixed = set(shown)
            shown += [r for r in evenly(started, MAX_CURVES - len(shown)) if r not in fixed]
            self.sampled = (len(shown), len(started))
        return shown

    def _plot_title(self) -> str:
        title = f"{self.session.spec.display.metric} by step, coloured by {self.color_by}"
        if self.sampled is not None:
            title += f" · {self.sampled[0]:,} of {self.sampled[1]:,} runs"
        return title

    def _refresh_plot(self) -> None:
        session = self.session
        shown = self._shown_runs()
        self.query_one(CurvePlot).title = self._plot_title()
        session.watch(shown)
        curves = [(rid, *session.curve(rid)) for rid in shown]
        key = (tuple((rid, rev) for rid, _, _, rev in curves), self.color_by, self.selected)
        if key == self._shown_key:
            return
        self._shown_key = key
        series = []
        for rid, x, y, _rev in curves:
            params = session.params_of(rid)
            series.append(
                Series(key=rid, label=rid[:8], x=x, y=y, color_value=params.get(self.color_by))
            )
        self.query_one(CurvePlot).set_series(
            series,
            color_by=self.color_by or None,
            highlight=self.selected,
            color_domain=self._color_domain(),
        )

    def _color_domain(self) -> list[object]:
        """The colouring parameter's value in every run of the sweep (computed again
        only when the parameter or the number of runs changes)."""
        runs = self.session.tracker.runs
        key = (self.color_by, len(runs))
        if key != self._domain_key:
            self._domain_key = key
            self._domain = [state.params.get(self.color_by) for state in list(runs.values())]
        return self._domain

    def _refresh_log(self) -> None:
        rid = self.selected
        if rid is None:
            return
        state = self.session.tracker.runs.get(rid)
        rev = self.session.log_revision.get(rid, 0) + (
            1000000 if state and state.status == "failed" else 0
        )
        if (rid, rev) == self._log_rev:
            return
        self._log_rev = (rid, rev)
        lines, total = self.session.log_tail(rid)
        failed = state is not None and state.status == "failed" and state.error
        if failed and not any("Traceback" in line for line in lines):
            assert state is not None
            error = [
                f"ERROR {state.error_type}: {state.error}",
                *(state.traceback or "").splitlines(),
            ]
            lines, total = [*lines, *error], total + len(error)
        params = " ".join(f"{k}={v}" for k, v in self.session.params_of(rid).items())
        title = f"log · {rid[:8]} {params}"
        # the run's own events say where it is now; the cluster's last poll may be older
        worker = (state.worker if state else None) or self.session.cluster.worker_of(rid)
        if worker and self.session.cluster.seen:  # on a cluster, say which worker
            title += f" · on {worker}"
        self.query_one(LogPane).show(rid, lines, title=title, total=total)

    # -- events and actions --------------------------------------------------------------------

    def on_runs_table_run_selected(self, event: RunsTable.RunSelected) -> None:
        self.selected = event.run_id
        self._refresh_plot()
        self._refresh_log()

    def action_toggle_log_y(self) -> None:
        plot = self.query_one(CurvePlot)
        plot.log_y = not plot.log_y
        self.notify(f"log y {'on' if plot.log_y else 'off'}", timeout=1.5)

    def action_cycle_color(self) -> None:
        i = self.color_keys.index(self.color_by) if self.color_by in self.color_keys else -1
        self.color_by = self.color_keys[(i + 1) % len(self.color_keys)]
        self._shown_key = ()
        self._refresh_plot()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._refresh_plot()

    def action_help(self) -> None:
        keys = binding_rows(self.app, [*self.BINDINGS, *self.app.BINDINGS])
        rows = binding_rows(self.app, ROW_KEYS)
        runs = "Runs table: the run selected has its curve highlighted and its log shown"
        sections = [HelpSection("Live dashboard", keys), HelpSection(runs, rows)]
        self.app.push_screen(HelpScreen("Live dashboard: keys", sections))

    def action_browse(self) -> None:
        open_browser = getattr(self.app, "open_browser", None)
        if open_browser is None:
            self.notify("the results browser is not available", severity="warning")
            return
        open_browser(self.session.store.root)

    def action_quit_sweep(self) -> None:
        if self.state not in ("running", "starting"):
            self.app.exit(self.exit_code if self.exit_code is not None else 0)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.state = "cancelling"
                self._quit_when_done = True
                self.session.cancel()

        self.app.push_screen(
            ConfirmScreen(
                "The sweep is still running. Cancel it and quit?\n\nFinished runs are kept; "
                "unfinished runs are marked cancelled and resume next time.",
                yes="Cancel sweep and quit",
                no="Keep running",
            ),
            answered,
        )


def evenly(items: Sequence[str], count: int) -> list[str]:
    """At most ``count`` items spread evenly over ``items``: every ``stride``-th from the
    first, the stride a power of two. As ``items`` grows the sample stays the same, only
    longer, until the stride doubles (and then half of it stays), so a live plot of it
    does not read a new set of curves at every refresh."""
    if count <= 0:
        return []
    stride = 1
    while -(-len(items) // stride) > count:
        stride *= 2
    return list(items[::stride])


def _param_values(spec: object, keys: list[str], limit: int = 2000) -> dict[str, set[object]]:
    """The values each shown parameter takes in the first ``limit`` cases."""
    params = getattr(getattr(spec, "experiment", None), "params", None)
    values: dict[str, set[object]] = {k: set() for k in keys}
    try:
        for i, case in enumerate(params):  # type: ignore[arg-type]
            if i >= limit:
                break
            items = getattr(case, "params", case)
            for k in keys:
                v = items.get(k)
                values[k].add(v if isinstance(v, int | float | str | bool | None) else str(v))
    except (TypeError, AttributeError):
        pass
    return values


def _param_keys(spec: object, limit: int = 2000) -> list[str]:
    """The parameters' names, from the first ``limit`` cases (at most 7 of them)."""
    params = getattr(getattr(spec, "experiment", None), "params", None)
    keys: list[str] = []
    try:
        for i, case in enumerate(params):  # type: ignore[arg-type]
            if i >= limit:
                break
            for k in getattr(case, "params", case):
                if k not in keys:
                    keys.append(k)
            if len(keys) > 6:
                break
    except TypeError:
        pass
    return keys
