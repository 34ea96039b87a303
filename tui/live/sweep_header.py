"""The sweep's headline: counts, elapsed time, an ETA that counts runs in flight."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from metalab.progress import SweepTracker, format_duration

__all__ = ["SweepHeader"]


class SweepHeader(Static):
    """``curve_fit 0.1  12/18 done · 4 running · 0 failed · 0 skipped  elapsed 4s  ETA 2s``."""

    DEFAULT_CSS = """
    SweepHeader {
        height: 2;
        padding: 0 1;
        background: $panel;
    }
    """

    _shown: Text | None = None

    def show(self, title: str, tracker: SweepTracker, state: str, note: str = "") -> None:
        c = tracker.counts()
        total = c["total"] or 1
        wide = self.size.width >= 100
        width = 30 if wide else 12  # a short bar leaves room for the note
        done_w = int(width * c["done"] / total)
        # one line each, cut rather than wrapped: a wrapped first line would push the
        # bar and the note (the cluster, the results folder) out of the header's 2 rows
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{title}  ", style="bold")
        text.append(f"{c['done']}/{c['total']} done", style="bold")
        text.append(f" · {c['running']} running")
        text.append(f" · {c['failed']} failed", style="red" if c["failed"] else "")
        if wide or c["skipped"]:  # narrow: the count of resumed runs only when there are
            text.append(f" · {c['skipped']} skipped")
        if c["cancelled"]:
            text.append(f" · {c['cancelled']} cancelled", style="yellow")
        text.append(f"   elapsed {format_duration(tracker.elapsed())}")
        if state == "running":
            text.append(f"   ETA {format_duration(tracker.eta())}")
        text.append("\n")
        text.append("█" * done_w, style="green")
        text.append("░" * (width - done_w), style="dim")
        text.append(f"  {state}", style="bold yellow" if state != "done" else "bold green")
        if note:
            text.append(f"  {note}")
        if text == self._shown:
            return  # called on every dashboard refresh; the text changes less often
        self._shown = text
        # the height is fixed (2 lines): a repaint, not a layout of the whole screen,
        # which would redraw every widget (the runs table above all) at every refresh
        self.update(text, layout=False)
