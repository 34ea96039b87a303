"""The browser's search dialog (``/`` or ctrl+k): run ids, names, values and log text.

Typing waits :data:`DEBOUNCE` seconds and at least :data:`MIN_CHARS` characters (as
atlas does), then one thread worker answers: first the index search
(``metalab.index.search_tree``: run ids, param/metric names and values, fingerprints,
tags, errors, artifacts), posted at once, then the log scan
(``iter_log_hits``), posted in batches while it reads. A newer query cancels the
worker (``exclusive``, and the scan polls ``is_cancelled``), so typing never waits for
a scan of many logs, and results of an old query are dropped.

Hits are grouped by category in an option list; Enter (or a click) dismisses the dialog
with the :class:`~metalab.index.SearchHit`, and the browser screen acts on it: a run opens
the run, a log line opens the run on its Logs tab at that line (:func:`log_line`), a
value applies its filter, a name filters to the runs that have the field, an experiment
scopes the browser to it. A group of names (parameters, metrics, artifacts, tags) ends
in a link to the experiments having such a name (:func:`experiments_link`), which opens
the experiments list filtered by ``has_param:…`` and the like.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from metalab.index import SearchHit, SearchResults, iter_log_hits, search_tree
from metalab.index.experiment_filter import ExperimentTerm
from metalab.index.search import CATEGORIES, capped_note
from metalab.index.table import format_size
from tui.browser.run_detail.logs import LogLine
from tui.browser.state import BrowseState

__all__ = [
    "DEBOUNCE",
    "EXPERIMENTS_FILTER",
    "MIN_CHARS",
    "SearchScreen",
    "experiments_link",
    "log_line",
]

DEBOUNCE = 0.25
"""Seconds of quiet typing before a search starts."""
MIN_CHARS = 2
PER_CATEGORY = 5
"""Hits listed per category (each heading shows the full count)."""
MAX_LOG_HITS = 20
LOG_WIDTH = 64
"""Log lines are cut to this many characters around the match."""
LOG_BATCH_SECONDS = 0.2
"""The log scan posts what it found at most this often."""


HAS_FILTERS = {
    "param_name": ("param", "a parameter"),
    "metric_name": ("metric", "a metric"),
    "derived_name": ("derived", "a derived metric"),
    "artifact": ("artifact", "an artifact"),
    "tag": ("tag", "a tag"),
}
"""Name categories whose group ends in a link to the experiments having such a name:
(``has_<kind>`` filter of the experiments list, what the link calls it)."""
EXPERIMENTS_FILTER = "experiments_filter"
"""The category of such a link's hit: its ``filter`` is experiments-list filter text."""


def experiments_link(category: str, query: str, experiments: int) -> SearchHit | None:
    """The hit of a "→ N experiments with a parameter like 'lr'" link (atlas's overflow
    link of its experiment categories), or None for a category without one."""
    if category not in HAS_FILTERS or not experiments:
        return None
    kind, what = HAS_FILTERS[category]
    plural = "s" if experiments != 1 else ""
    return SearchHit(
        category=EXPERIMENTS_FILTER,
        experiment="",
        text=f"→ {experiments} experiment{plural} with {what} named like {query!r}",
        filter=ExperimentTerm(f"has_{kind}", query.lower()).text,
    )


def _offset(offset: int | None) -> str:
    """Where a log hit of unknown line number is: ``195.3 MB`` into the file."""
    return "?" if offset is None else format_size(offset, binary=True)


def log_line(hit: SearchHit) -> LogLine | None:
    """Where a log hit is, for opening the run there (None for every other kind of hit,
    which opens the run as it always did)."""
    if hit.category != "log" or hit.log is None or (hit.line_no is None and hit.offset is None):
        return None
    return LogLine(hit.log, hit.line_no, hit.match or "", hit.offset)


@dataclass
class IndexResults(Message):
    """The index part of a search is done."""

    query: str
    results: SearchResults


@dataclass
class LogResults(Message):
    """Log hits found so far; ``done`` when the scan ended."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)
    done: bool = False
    truncated: bool = False
    note: str = ""
    """How much of large logs was searched (``searched the last 8 MB of ...``)."""


class SearchScreen(ModalScreen[SearchHit | None]):
    """Grouped search over the whole tree; dismisses with the chosen hit."""

    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical {
        width: 110; max-width: 95%; height: 80%; margin-top: 2;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    SearchScreen #search-input { margin-bottom: 1; }
    SearchScreen #search-status { height: 1; color: $text-muted; }
    SearchScreen #search-results { height: 1fr; border: none; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="search-close"),
        Binding("down", "move(1)", "Next hit", show=False, id="search-next"),
        Binding("up", "move(-1)", "Previous hit", show=False, id="search-previous"),
        Binding("pagedown", "move(10)", "Next page", show=False, id="search-page-down"),
        Binding("pageup", "move(-10)", "Previous page", show=False, id="search-page-up"),
    ]

    def __init__(self, state: BrowseState) -> None:
        super().__init__()
        self.state = state
        self.query_text = ""
        """The query the results shown belong to."""
        self.results: SearchResults | None = None
        self.log_hits: list[SearchHit] = []
        self.logs_done = False
        self.logs_truncated = False
        self.logs_note = ""
        """Said after the hits once the log scan ended: how much of large logs it read."""
        self.hits: list[SearchHit] = []
        """The hits listed, in order; option ids are positions in this list."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(
                placeholder="search run ids, params, metrics, values and logs "
                f"(at least {MIN_CHARS} characters)",
                id="search-input",
            )
            yield Static("", id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        self.query_one("#search-results", OptionList).can_focus = False

    # -- typing --------------------------------------------------------------------------------

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        query = event.value.strip()
        if len(query) < MIN_CHARS:
            self.workers.cancel_group(self, "search")
            self.query_text = query
            self.results, self.log_hits, self.logs_done = None, [], False
            self._render_hits()
            self._status("type at least 2 characters" if query else "")
            return
        self._status("…")
        self._timer = self.set_timer(DEBOUNCE, lambda: self.start(query))

    def start(self, query: str) -> None:
        """Search for ``query`` now (typing calls this after the debounce)."""
        self._timer = None
        self.query_text = query
        self.results, self.log_hits, self.logs_done, self.logs_truncated = None, [], False, False
        self.logs_note = ""
        self._status(f"searching for {query!r} …")
        self._search(query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str) -> None:
        worker = get_current_worker()
        results = search_tree(self.state.index, query, limit=PER_CATEGORY)
        if worker.is_cancelled:
            return
        self.post_message(IndexResults(query, results))
        state: dict[str, object] = {}
        batch: list[SearchHit] = []
        last = time.monotonic()
        hits = iter_log_hits(
            self.state.index,
            query,
            width=LOG_WIDTH,
            cancelled=lambda: worker.is_cancelled,
            state=state,
        )
        for found, hit in enumerate(hits, 1):
            batch.append(hit)
            if found >= MAX_LOG_HITS:
                state["truncated"] = True
                break
            if time.monotonic() - last >= LOG_BATCH_SECONDS:
                self.post_message(LogResults(query, batch))
                batch, last = [], time.monotonic()
        if worker.is_cancelled:
            return
        capped = state.get("capped")
        note = capped_note(capped) if isinstance(capped, list) else ""
        self.post_message(
            LogResults(query, batch, done=True, truncated=bool(state.get("truncated")), note=note)
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "search" and event.state == WorkerState.ERROR:
            self._status(f"search failed: {event.worker.error}")

    # -- results -------------------------------------------------------------------------------

    def on_index_results(self, message: IndexResults) -> None:
        if message.query != self.query_text:
            return
        self.results = message.results
        self._render_hits()

    def on_log_results(self, message: LogResults) -> None:
        if message.query != self.query_text:
            return
        self.log_hits.extend(message.hits)
        self.logs_done = message.done
        self.logs_truncated = message.truncated
        self.logs_note = message.note
        self._render_hits()

    def _status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(text)

    def _render_hits(self) -> None:
        options = self.query_one("#search-results", OptionList)
        keep = options.highlighted
        options.clear_options()
        self.hits = []
        results = self.results
        items: list[Option | None] = []
        if results is not None:
            for cat in results.categories():
                total = results.totals.get(cat, 0)
                heading = Text(f"{CATEGORIES[cat]}", style="bold")
                heading.append(f"  {total}", style="dim")
                items.append(Option(heading, disabled=True))
                for hit in results.hits[cat]:
                    items.append(self._option(hit))
                if total > len(results.hits[cat]):
                    items.append(Option(Text(f"  … {total - len(results.hits[cat])} more",
                                             style="dim"), disabled=True))  # fmt: skip
                n_exp = len(results.experiments.get(cat, ()))
                link = experiments_link(cat, results.query, n_exp)
                if link is not None:
                    items.append(self._option(link))
        if self.log_hits:
            heading = Text("Logs", style="bold")
            more = "+" if self.logs_truncated else ""
            heading.append(f"  {len(self.log_hits)}{more}", style="dim")
            items.append(Option(heading, disabled=True))
            items.extend(self._option(hit) for hit in self.log_hits)
        options.add_options(items)
        n = len(self.hits)
        if results is None:
            status = f"searching for {self.query_text!r} …" if self.query_text else ""
        elif not n and self.logs_done:
            status = f"no results for {self.query_text!r}"
        else:
            logs = "" if self.logs_done else " · scanning logs …"
            status = f"{n} hit{'s' if n != 1 else ''}{logs}   enter opens · esc closes"
        if self.logs_done and self.logs_note:
            status += f"   ({self.logs_note})"
        self._status(status)
        if n:
            if (
                keep is not None
                and keep < options.option_count
                and not options.get_option_at_index(keep).disabled
            ):
                options.highlighted = keep
            else:
                options.highlighted = next(
                    i for i in range(options.option_count)
                    if not options.get_option_at_index(i).disabled
                )  # fmt: skip

    def _option(self, hit: SearchHit) -> Option:
        self.hits.append(hit)
        text = Text("  ")
        if hit.category == "log":
            where = f":{hit.line_no}" if hit.line_no is not None else f" @{_offset(hit.offset)}"
            text.append(f"{(hit.run_id or '')[:8]} {hit.log}{where}  ", style="dim")
        text.append(hit.text)
        if hit.experiment:
            text.append(f"   {hit.experiment}", style="dim italic")
        return Option(text, id=str(len(self.hits) - 1))

    # -- choosing ------------------------------------------------------------------------------

    @property
    def highlighted_hit(self) -> SearchHit | None:
        options = self.query_one("#search-results", OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        if option.id is None or option.disabled:
            return None
        return self.hits[int(option.id)]

    def action_move(self, delta: int) -> None:
        options = self.query_one("#search-results", OptionList)
        if not options.option_count:
            return
        enabled = [
            i for i in range(options.option_count) if not options.get_option_at_index(i).disabled
        ]
        if not enabled:
            return
        current = options.highlighted
        if current is None or current not in enabled:
            options.highlighted = enabled[0]
            return
        pos = enabled.index(current)
        options.highlighted = enabled[max(0, min(len(enabled) - 1, pos + delta))]

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:  # enter before the debounce ran: search now
            query = event.value.strip()
            if len(query) >= MIN_CHARS:
                self._timer.stop()
                self.start(query)
            return
        hit = self.highlighted_hit
        if hit is not None:
            self.dismiss(hit)

    @on(OptionList.OptionSelected, "#search-results")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])

    def action_close(self) -> None:
        self.workers.cancel_group(self, "search")
        self.dismiss(None)
