"""The log of the selected run, following new lines as they arrive."""

from __future__ import annotations

from textual.widgets import Log

__all__ = ["LogPane"]


class LogPane(Log):
    """Shows one run's log; ``show`` swaps runs, ``follow`` appends new lines only."""

    DEFAULT_CSS = """
    LogPane {
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $accent;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=5000, **kwargs)  # type: ignore[arg-type]
        self.run_id: str | None = None
        self._shown = 0

    def show(
        self, run_id: str | None, lines: list[str], title: str = "", total: int | None = None
    ) -> None:
        """Show ``lines`` as the log of ``run_id``; only new lines are written when it is
        the run already shown.

        ``lines`` may be only the last of the run's lines: ``total`` is how many it has
        logged in all (default ``len(lines)``), so that new lines are found by count even
        once the oldest ones are no longer kept. When more lines came than are kept since
        the pane last looked, it starts again from those kept, under a line that says how
        many came before: never a silent gap.
        """
        count = len(lines) if total is None else total
        missed = count - self._shown > len(lines)  # lines dropped before they were shown
        if run_id != self.run_id or count < self._shown or missed:
            self.clear()
            self.run_id = run_id
            earlier = count - len(lines)
            if earlier > 0:  # said, rather than a silent gap in the lines shown
                plural = "s" if earlier != 1 else ""
                self.write_line(f"… {earlier:,} earlier line{plural} (the browser, b, has them)")
            self.write_lines(lines)
        elif count > self._shown:
            self.write_lines(lines[len(lines) - (count - self._shown) :])
        self._shown = count
        self.border_title = title  # the run's worker may have changed (a retry)
