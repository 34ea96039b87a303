"""The browser screen: tabs over one results tree, refreshed while runs are written.

``metalab-tui browse DIR`` runs :class:`BrowserApp`; the live dashboard's ``b`` key
pushes the same :class:`BrowserScreen` onto its own app. A timer re-scans the tree
every couple of seconds on a worker thread (cheap: only changed records are parsed),
so a tree written by another process, or another machine, updates in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from metalab.index import Changes, QueryError, SearchHit, TreeIndex, parse_filter
from metalab.index.experiment_filter import FilterSyntaxError, parse_experiment_filter
from tui.browser.columns import ALL_KEY
from tui.browser.compare.tab import ComparePane
from tui.browser.experiments.tab import ExperimentsPane
from tui.browser.help import browser_help
from tui.browser.messages import (
    ExportExperiment,
    OpenRun,
    ScopeChanged,
    ShowTab,
    StateChanged,
)
from tui.browser.pane import BrowserPane
from tui.browser.plots.tab import PlotsPane
from tui.browser.run_detail import RunDetailScreen
from tui.browser.runs.tab import RunsPane
from tui.browser.saved_view import SavedView, load_view, save_view
from tui.browser.search_dialog import EXPERIMENTS_FILTER, SearchScreen, log_line
from tui.browser.state import BrowseState
from tui.palette import ScreenActions
from tui.widgets.dialogs import ConfirmScreen
from tui.widgets.screen_size import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS

__all__ = ["BrowserApp", "BrowserScreen"]

REFRESH_EVERY = 2.0
"""Seconds between re-scans of the tree for new and changed runs."""

TABS = ("experiments", "runs", "plots", "compare")


class BrowserScreen(Screen[None]):
    """Experiments, runs, plots and compare tabs over one results tree."""

    BINDINGS = [
        Binding("1", "tab('experiments')", "Experiments", id="browse-experiments"),
        Binding("2", "tab('runs')", "Runs", id="browse-runs"),
        Binding("3", "tab('plots')", "Plots", id="browse-plots"),
        Binding("4", "tab('compare')", "Compare", id="browse-compare"),
        Binding("slash,ctrl+k", "search", "Search", id="browse-search"),
        Binding(
            "f5",
            "preset(1)",
            "Metric vs param",
            show=False,
            id="browse-view-1",
            tooltip="first metric against the first param, grouped by the next",
        ),
        Binding(
            "f6",
            "preset(2)",
            "Curves",
            show=False,
            id="browse-view-2",
            tooltip="convergence curves of the runs in scope",
        ),
        Binding(
            "f7",
            "preset(3)",
            "Compare by param",
            show=False,
            id="browse-view-3",
            tooltip="one run per value of the first param, side by side",
        ),
        Binding(
            "f8",
            "preset(4)",
            "Error bars",
            show=False,
            id="browse-view-4",
            tooltip="first metric against the first param, mean ± 95% CI over replicates",
        ),
        Binding("R", "refresh_tree", "Refresh", show=False, id="browse-refresh"),
        Binding("question_mark,f1", "help", "Help", id="browse-help"),
        # one of the next three is active (check_action): the browser as an app quits
        # with q (asking first), escape never quits it; over the live dashboard both
        # go back to the dashboard
        Binding(
            "q",
            "quit_browser",
            "Quit",
            id="browse-quit",
            tooltip="Quit the browser (asks first; the view is kept for next time)",
        ),
        Binding(
            "escape",
            "settle",
            "Back to the tab",
            show=False,
            id="browse-escape",
            tooltip="Give the keys back to the tab's list (escape never quits)",
        ),
        Binding(
            "escape,q",
            "close",
            "Back",
            id="browse-close",
            tooltip="Back to the live dashboard (the view is kept)",
        ),
    ]

    def __init__(
        self,
        root: Path | str,
        index: TreeIndex | None = None,
        *,
        clock: Callable[[], float] | None = None,
        restore: bool = True,
    ) -> None:
        super().__init__()
        self.root = Path(root)
        self.index = index or TreeIndex(self.root)
        self.state = BrowseState(self.index)
        if clock is not None:
            self.state.clock = clock
        self.saved = load_view(self.root) if restore else None
        """The view this tree was left in last time (restored on mount), if any."""
        if self.saved is not None:
            self.saved.apply(self.state)
        self._experiments_pane: ExperimentsPane | None = None
        self._plots_pane: PlotsPane | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(
            id="tabs", initial="experiments" if self.state.experiment is None else "runs"
        ):
            with TabPane("Experiments", id="experiments"):
                yield ExperimentsPane(self.state, id="experiments-pane")
            with TabPane("Runs", id="runs"):
                yield RunsPane(self.state, id="runs-pane")
            with TabPane("Plots", id="plots"):
                yield PlotsPane(self.state, id="plots-pane")
            with TabPane("Compare", id="compare"):
                yield ComparePane(self.state, id="compare-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "metalab-tui browse"
        self.sub_title = str(self.root)
        self._experiments_pane = self.query_one("#experiments-pane", ExperimentsPane)
        self._plots_pane = self.query_one(PlotsPane)
        if self.saved is not None:
            self._restore_panes(self.saved)
        self.set_interval(REFRESH_EVERY, self.action_refresh_tree)
        self.redraw()
        self.call_after_refresh(self.focus_active_pane)

    def _restore_panes(self, saved: SavedView) -> None:
        """The parts of the saved view that live in the panes: the experiments list's
        pills and the plot settings."""
        terms = []
        for text in saved.experiment_filter:
            try:
                terms += parse_experiment_filter(text)
            except FilterSyntaxError:
                continue
        if self._experiments_pane is not None and self._plots_pane is not None:
            self._experiments_pane.terms = terms
            saved.apply_plot(self._plots_pane.config)

    def remember_view(self) -> None:
        """Remember this tree's view for the next time it is browsed (also when the app
        quits, after the panes were taken off the screen: hence the references)."""
        if self._experiments_pane is None or self._plots_pane is None:
            return  # never mounted: nothing was looked at
        terms = [t.text for t in self._experiments_pane.terms]
        view = SavedView.capture(self.state, terms, self._plots_pane.config)
        save_view(self.root, view)

    def on_unmount(self) -> None:
        self.remember_view()

    def panes(self) -> list[BrowserPane]:
        return list(self.query(BrowserPane))

    def focus_active_pane(self) -> None:
        """Give the keyboard to the active tab's pane (its keys work only with focus in it)."""
        active = self.query_one(TabbedContent).active
        if active:
            self.query_one(f"#{active}-pane", BrowserPane).focus_default()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.focus_active_pane()  # a click on a tab

    def on_screen_suspend(self) -> None:
        self._revision_left = self.state.revision

    def on_screen_resume(self) -> None:
        if self.state.revision != getattr(self, "_revision_left", self.state.revision):
            self.redraw()  # the screen above changed the state (a metric's direction)
        if self.focused is None:  # back from the search dialog or a run
            self.call_after_refresh(self.focus_active_pane)

    def redraw(self, changes: Changes | None = None) -> None:
        for pane in self.panes():
            pane.refresh_view(changes)

    # -- live tree -------------------------------------------------------------------

    def action_refresh_tree(self) -> None:
        self.refresh_tree()

    @work(thread=True, exclusive=True, group="tree-refresh", exit_on_error=False)
    def refresh_tree(self) -> None:
        changes = self.index.refresh()
        if changes:
            # rebuild the tables here, off the main thread (a refresh only invalidates
            # them; 10,000 runs take a few hundred ms to lay out in columns again)
            try:
                self.state.table()
                self.index.summary_table()
            except KeyError:  # the experiment in scope went away (see _apply_changes)
                pass
            self.app.call_from_thread(self._apply_changes, changes)

    def _apply_changes(self, changes: Changes) -> None:
        keys = {exp.key for exp in self.index.experiments}
        if self.state.experiment is not None and self.state.experiment not in keys:
            self._scope(None)  # its folder was deleted or renamed: show everything left
        self.state.touch()
        self.redraw(changes)

    # -- messages from panes -------------------------------------------------------------

    def on_scope_changed(self, message: ScopeChanged) -> None:
        self._scope(message.experiment)
        self.state.conditions.extend(message.conditions)
        self.state.touch()
        self.redraw()
        self.action_tab("runs")

    def on_state_changed(self, message: StateChanged) -> None:
        self.state.touch()
        self.redraw()

    def on_export_experiment(self, message: ExportExperiment) -> None:
        self._scope(message.experiment)  # the whole experiment: no filter
        self.state.touch()
        self.redraw()
        self.action_tab("runs")
        self.query_one("#runs-pane", RunsPane).action_export()

    def on_open_run(self, message: OpenRun) -> None:
        self.app.push_screen(RunDetailScreen(self.state, message.run_id, message.at_log))

    def on_show_tab(self, message: ShowTab) -> None:
        self.action_tab(message.tab)

    # -- actions ---------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        if tab in TABS:
            self.query_one(TabbedContent).active = tab
            self.focus_active_pane()  # now: keys pressed next belong to the new tab

    def action_preset(self, n: int) -> None:
        """One of the four atlas views (F5-F8), from anywhere in the browser."""
        self.query_one(PlotsPane).preset(n)

    def action_search(self) -> None:
        # nothing to give the focus back to when the dialog closes: restoring it would
        # switch back to the tab it was in, undoing a hit that opened another tab
        self.set_focus(None)
        self.app.push_screen(SearchScreen(self.state), self.open_search_hit)

    def open_search_hit(self, hit: SearchHit | None) -> None:
        """Act on the hit chosen in the search dialog: open its run, apply its filter,
        filter to the runs having its field, or scope to its experiment."""
        if hit is None:
            self.focus_active_pane()
            return
        if hit.category == EXPERIMENTS_FILTER and hit.filter:
            self.action_tab("experiments")
            pane = self.query_one("#experiments-pane", ExperimentsPane)
            pane.set_terms(parse_experiment_filter(hit.filter))
            return
        if hit.category == "experiment" or (hit.category == "tag" and hit.run_id is None
                                            and hit.filter is None):  # fmt: skip
            self.post_message(ScopeChanged(hit.experiment))
            return
        if hit.run_id is not None:
            if self.state.experiment not in (None, hit.experiment):
                self._scope(hit.experiment)  # the run is not among the runs in scope
                self.state.touch()
                self.redraw()
            self.post_message(OpenRun(hit.run_id, log_line(hit)))
            return
        text = hit.filter or (f"{hit.field}!=none" if hit.field else None)
        if text is None:
            return
        if self.state.experiment not in (None, hit.experiment):
            self._scope(hit.experiment)
        try:
            conditions = parse_filter(text, self.state.table())
        except QueryError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.state.conditions.extend(c for c in conditions if c not in self.state.conditions)
        if hit.field and hit.filter is None:  # a name: show that column too
            key = self.state.experiment or ALL_KEY
            runs = self.query_one("#runs-pane", RunsPane)
            shown = self.state.columns.get(key) or runs.visible_columns(self.state.table())
            if hit.field not in shown and hit.field in self.state.table():
                self.state.columns[key] = [*shown, hit.field]
        self.state.touch()
        self.redraw()
        self.action_tab("runs")

    def _scope(self, experiment: str | None) -> None:
        self.state.experiment = experiment
        self.state.conditions.clear()
        self.state.sort = None

    def action_help(self) -> None:
        self.app.push_screen(browser_help(self, self.query_one(TabbedContent).active))

    # -- leaving ----------------------------------------------------------------------------

    @property
    def is_app(self) -> bool:
        """The browser is an app of its own (``metalab-tui browse``), not a screen
        over the live dashboard."""
        return isinstance(self.app, BrowserApp)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quit_browser", "settle"):
            return self.is_app
        if action == "close":
            return not self.is_app
        return True

    def leave(self) -> None:
        """Keep what the next session starts from: the view and the index's cache."""
        self.remember_view()
        self.index.save_cache()

    def action_quit_browser(self) -> None:
        """``q``: quit, once the user says yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.leave()
                self.app.exit(0)

        self.app.push_screen(
            ConfirmScreen(
                "Quit the results browser?\n\nThe view (scope, filters, selection, plot "
                "settings) is kept: the tree reopens as it is now.",
                yes="Quit",
                no="Stay",
            ),
            answered,
        )

    def action_settle(self) -> None:
        """Escape that no widget took: hand the keys back to the tab (never quit)."""
        self.focus_active_pane()

    def action_close(self) -> None:
        """Back to the live dashboard this browser was opened over."""
        self.leave()
        self.dismiss()


class BrowserApp(App[int]):
    """``metalab-tui browse``: the browser screen as an app of its own."""

    TITLE = "metalab-tui browse"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding("ctrl+c", "quit_now", "Quit now", show=False, priority=True, id="browse-app-quit"),
    ]
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    def __init__(
        self,
        root: Path | str,
        *,
        clock: Callable[[], float] | None = None,
        restore: bool = True,
    ) -> None:
        super().__init__()
        self.root = Path(root)
        self.clock = clock
        """Overrides the browser's "now" (tests pin it so relative times stay put)."""
        self.restore = restore
        """Start from the view this tree was left in last time."""

    def on_mount(self) -> None:
        self.push_screen(BrowserScreen(self.root, clock=self.clock, restore=self.restore))

    def action_quit_now(self) -> None:
        """``ctrl+c``: quit at once, from anywhere (the view is kept all the same)."""
        for screen in self.screen_stack:
            if isinstance(screen, BrowserScreen):
                screen.leave()
        self.exit(0)


def run_browser(root: Path, *, restore: bool = True) -> int:
    """Browse ``root`` until the user quits; returns the exit code (0)."""
    code = BrowserApp(root, restore=restore).run()
    return code if isinstance(code, int) else 0
