"""The experiments tab's detail: the experiment under the cursor, as atlas's experiment
page (§2.2) reads in text.

A headline (name, version, state with completed/expected runs, a stacked progress bar,
counts by status, failure rate, latest run, description and the tags as chips a click
filters the list by), the parameters as the latest manifest (``experiments/*.json``)
declares them (grid lists, random distributions, a count of manual cases), a metrics
summary with coverage and range, seeds and totals, the operation's ref and code hash,
metadata, the manifest history, the SLURM array's status when the experiment was
submitted as one, and the distribution of one numeric metric over the runs
(:mod:`tui.browser.experiments.detail`).

The widget only draws what it is given; :class:`tui.browser.experiments.tab.ExperimentsPane`
decides which experiment that is and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from metalab.index import ExperimentSummary, Table, format_cell
from tui.browser.columns import done_text, format_time, relative_time, theme_color
from tui.browser.experiments.detail import DistributionView, manifest_history
from tui.browser.experiments.slurm_badge import SlurmBadge

__all__ = [
    "ExperimentOverview",
    "StatusChosen",
    "TagChosen",
    "describe_distribution",
    "describe_params",
    "skipped_lines",
]

DETAIL_BAR = 30
"""Width of the stacked progress bar."""
TAGS_SHOWN = 10
SKIPPED_SHOWN = 20
"""Skipped files listed in the detail (then how many more)."""


@dataclass
class TagChosen(Message):
    """A tag chip was clicked: filter the experiments list by ``tag``."""

    tag: str


@dataclass
class StatusChosen(Message):
    """A count by status was clicked: show the experiment's runs of that ``status``."""

    status: str


# -- pure helpers (tested without a terminal) --------------------------------------------------


_DIST_NAMES = {
    "uniform": "Uniform",
    "loguniform": "LogUniform",
    "randint": "IntUniform",
    "loguniform_int": "LogUniformInt",
    "choice": "Choice",
}


def _value(v: Any) -> str:
    """A declared value as written (``0.01``, not the table's ``0.0100``)."""
    if isinstance(v, float) and not isinstance(v, bool):
        return f"{v:.6g}"
    return format_cell(v) if not isinstance(v, str) else v


def describe_distribution(spec: Any) -> str:
    """``Uniform(0, 1)``, ``LogUniform(0.001, 1)``, ``Choice([adam, sgd])``."""
    if not isinstance(spec, Mapping):
        return _value(spec)
    kind = str(spec.get("type", ""))
    name = _DIST_NAMES.get(kind, kind or "?")
    if kind == "choice":
        options = ", ".join(_value(o) for o in spec.get("options") or [])
        return f"{name}([{options}])"
    if "low" in spec and "high" in spec:
        return f"{name}({_value(spec['low'])}, {_value(spec['high'])})"
    rest = ", ".join(f"{k}={_value(v)}" for k, v in spec.items() if k != "type")
    return f"{name}({rest})"


def describe_params(params: Any) -> tuple[str, list[tuple[str, str]], str]:
    """(heading, [(key, description)], footer) for a manifest's ``params`` entry."""
    if not isinstance(params, Mapping):
        return "Parameters", [], "not recorded in the manifest"
    kind = str(params.get("type") or "")
    total = params.get("total_cases")
    if kind == "GridSource":
        spec = params.get("spec") or {}
        rows = [
            (str(k), ", ".join(_value(v) for v in vs) if isinstance(vs, list) else _value(vs))
            for k, vs in spec.items()
        ]
        return "Parameters (grid)", rows, f"{total} combinations" if total is not None else ""
    if kind == "RandomSource":
        space = params.get("space") or {}
        rows = [(str(k), describe_distribution(d)) for k, d in space.items()]
        trials = params.get("n_trials", total)
        return "Parameters (random)", rows, f"{trials} trials, seed {params.get('seed', '—')}"
    if kind == "ManualSource":
        cases = params.get("cases") or []
        keys: dict[str, None] = {}
        for case in cases:
            if isinstance(case, Mapping):
                keys.update(dict.fromkeys(str(k) for k in case))
        rows = []
        for key in keys:
            seen = list(dict.fromkeys(_value(c.get(key)) for c in cases if isinstance(c, Mapping)))
            rows.append((key, ", ".join(seen)))
        n = total if total is not None else len(cases)
        return "Parameters (manual)", rows, f"{n} manually specified cases"
    rows = [(str(k), _value(v)) for k, v in params.items() if k not in ("type", "total_cases")]
    footer = f"{total} cases" if total is not None else ""
    return f"Parameters ({kind or 'custom source'})", rows, footer


def skipped_lines(skipped: tuple[tuple[str, str], ...], shown: int = SKIPPED_SHOWN) -> list[str]:
    """What the detail says of the files skipped as unreadable: a heading
    (``2 run records skipped (unreadable):``), then one line a file with why, the first
    ``shown`` of them; [] when none was."""
    if not skipped:
        return []
    records = sum(1 for path, _ in skipped if path.startswith("runs/"))
    others = len(skipped) - records
    parts = []
    if records:
        parts.append(f"{records} run record{'s' if records != 1 else ''}")
    if others:
        parts.append(f"{others} other file{'s' if others != 1 else ''}")
    lines = [f"{' and '.join(parts)} skipped (unreadable):"]
    width = max(len(path) for path, _ in skipped[:shown])
    lines += [f"  {path.ljust(width)}  {why}" for path, why in skipped[:shown]]
    if len(skipped) > shown:
        lines.append(f"  … and {len(skipped) - shown} more")
    return lines


# -- the widget --------------------------------------------------------------------------------


class Headline(Static):
    """The headline: a click on a tag chip filters the list by it, one on a count by
    status opens the experiment's runs of that status."""

    def action_filter_tag(self, tag: str) -> None:
        self.post_message(TagChosen(tag))

    def action_show_status(self, status: str) -> None:
        self.post_message(StatusChosen(status))


class ExperimentOverview(VerticalScroll):
    """Everything below the experiments list about one experiment."""

    DEFAULT_CSS = """
    ExperimentOverview { height: 1fr; border-top: solid $panel-lighten-2; padding: 0 1; }
    ExperimentOverview Horizontal { height: auto; margin-top: 1; }
    ExperimentOverview .detail-column { width: 1fr; height: auto; padding-right: 2; }
    """

    def compose(self) -> ComposeResult:
        yield Headline("", id="experiments-headline")
        yield Static("", id="experiments-skipped")
        yield SlurmBadge(id="experiments-slurm")
        with Horizontal():
            yield Static("", id="experiments-info", classes="detail-column")
            yield Static("", id="experiments-provenance", classes="detail-column")
        yield DistributionView(id="experiments-distribution")

    @property
    def distribution(self) -> DistributionView:
        return self.query_one("#experiments-distribution", DistributionView)

    def show_nothing(self, message: str) -> None:
        """No experiment to show: say why."""
        self.query_one("#experiments-headline", Static).update(Text(message))
        self._show_skipped(())
        self.query_one("#experiments-info", Static).update("")
        self.query_one("#experiments-provenance", Static).update("")
        self.query_one(SlurmBadge).set_experiment(None)
        self.distribution.show(None, None)

    def show(
        self, summary: ExperimentSummary, manifest: Mapping[str, Any], files: list[Path],
        table: Table, now: float,
    ) -> None:  # fmt: skip
        """Show ``summary``'s experiment (its latest ``manifest``, manifest ``files`` and
        runs ``table``); the distribution is the pane's to set."""
        self.query_one("#experiments-headline", Static).update(self._headline(summary, now))
        self._show_skipped(summary.skipped)
        badge = self.query_one(SlurmBadge)
        if badge.experiment != summary.path:
            badge.set_experiment(summary.path)  # hidden unless it is a SLURM array
        self.query_one("#experiments-info", Static).update(self._info(manifest, table))
        self.query_one("#experiments-provenance", Static).update(
            self._provenance(summary, manifest, files)
        )

    def _show_skipped(self, skipped: tuple[tuple[str, str], ...]) -> None:
        """The files skipped as unreadable, under the headline (hidden when none)."""
        box = self.query_one("#experiments-skipped", Static)
        lines = skipped_lines(skipped)
        box.display = bool(lines)
        text = Text("\n".join(lines), style=theme_color(self.app, "warning"))
        if lines:
            text.stylize("bold", 0, len(lines[0]))
        box.update(text)

    def _headline(self, s: ExperimentSummary, now: float) -> Text:
        c = s.counts
        out = Text()
        out.append(s.name, style="bold")
        out.append(f"  v{s.version}" if s.version else "", style=theme_color(self.app, "accent"))
        out.append(f"   {s.experiment_id}", style="dim")
        out.append("\n")
        state = s.state
        var = "error" if "failures" in state else "success" if state == "complete" else "accent"
        out.append(state.capitalize(), style=f"bold {theme_color(self.app, var)}".strip())
        out.append(f"   {done_text(s.done, s.total)}" if s.n_runs else "   no runs")
        out.append("\n")
        if s.total:
            parts = [("success", "success"), ("failed", "error"), ("running", "accent")]
            used = 0
            for status, var in parts:
                n = int(round(c.get(status, 0) / s.total * DETAIL_BAR))
                n = min(n, DETAIL_BAR - used)
                out.append("█" * n, style=theme_color(self.app, var))
                used += n
            out.append("░" * (DETAIL_BAR - used), style="dim")
            out.append(f" {s.completion:.0%}   ")
        statuses = ["success", "failed", "running", "cancelled", *s.other_counts]
        for n, status in enumerate(statuses):
            if n:
                out.append(" · ")
            link = Style(underline=True, meta={"@click": f"show_status({status!r})"})
            if status in s.other_counts:  # a status metalab does not write: set apart
                link += Style(italic=True, color=theme_color(self.app, "warning") or None)
            out.append(f"{c.get(status, 0)} {status}", style=link)
        finished = c.get("success", 0) + c.get("failed", 0)
        if c.get("failed") and finished:
            out.append(f" · failure rate {c['failed'] / finished:.0%}")
        out.append("\n")
        if s.latest_started_ts is not None:
            out.append(
                f"latest run {relative_time(s.latest_started_ts, now)} "
                f"({format_time(s.latest_started_ts)})"
            )
        if s.description:
            out.append("\n")
            out.append(s.description, style="italic")
        if s.tags:
            out.append("\ntags ", style="dim")
            accent, panel = theme_color(self.app, "accent"), theme_color(self.app, "panel")
            chip = Style(bold=True, color=accent or None, bgcolor=panel or None)
            for tag in s.tags[:TAGS_SHOWN]:
                click = Style(meta={"@click": f"filter_tag({tag!r})"})
                out.append(f" {tag} ", style=chip + click)
                out.append(" ")
            if len(s.tags) > TAGS_SHOWN:
                out.append(f"+{len(s.tags) - TAGS_SHOWN} more", style="dim")
            out.append(" (click a tag, or t, to filter by it)", style="dim")
        return out

    def _info(self, manifest: Mapping[str, Any], table: Table) -> Text:
        out = Text()
        if manifest:
            heading, rows, footer = describe_params(manifest.get("params"))
        else:
            heading = "Parameters (seen in the runs; no manifest)"
            rows = []
            for name in table.names("params"):
                info = table.column(name).info()
                vals = ", ".join(_value(v) for v in info.values[:8]) if info.values else "…"
                rows.append((name.split(".", 1)[1], vals))
            footer = ""
        out.append(heading + "\n", style="bold")
        width = max((len(k) for k, _ in rows), default=0)
        for key, desc in rows:
            out.append(f"  {key.ljust(width)}  ", style=theme_color(self.app, "accent"))
            out.append(desc + "\n")
        if footer:
            out.append(f"  {footer}\n", style="dim")
        metrics = [n for n in table.names() if n.split(".", 1)[0] in ("metrics", "derived")]
        if metrics:
            out.append("\nMetrics", style="bold")
            out.append("  (coverage, range)\n", style="dim")
            width = max(len(n.split(".", 1)[1]) for n in metrics)
            for name in metrics:
                info = table.column(name).info()
                short = name.split(".", 1)[1]
                if name.startswith("derived."):
                    short = f"{short} (derived)"
                cov = info.coverage
                var = "success" if cov >= 0.95 else "warning" if cov >= 0.7 else "error"
                out.append(f"  {short.ljust(width)}  ")
                out.append(f"{info.count}/{info.run_count}", style=theme_color(self.app, var))
                if info.type in ("numeric", "mixed") and info.min is not None:
                    rng = f"{format_cell(info.min)} → {format_cell(info.max)}"
                elif info.values:
                    rng = f"{len(info.values)} value{'s' if len(info.values) != 1 else ''}"
                else:
                    rng = info.type
                out.append(f"  {rng}\n")
        return out

    def _provenance(
        self, s: ExperimentSummary, manifest: Mapping[str, Any], files: list[Path]
    ) -> Text:
        out = Text()
        key_style = theme_color(self.app, "accent")

        def line(key: str, value: str) -> None:
            out.append(f"{key:<10}", style=key_style)
            out.append(value + "\n")

        seeds = manifest.get("seeds") if isinstance(manifest.get("seeds"), Mapping) else {}
        params = manifest.get("params") if isinstance(manifest.get("params"), Mapping) else {}
        reps = seeds.get("replicates") if seeds else None
        if seeds:
            shown = reps if reps is not None else "—"
            plural = "" if reps == 1 else "s"
            line("Seeds", f"base {seeds.get('base', '—')}, {shown} replicate{plural}")
        cases = params.get("total_cases") if params else None
        total = f"{s.total} runs"
        if isinstance(cases, int) and isinstance(reps, int):
            what = "trials" if params.get("type") == "RandomSource" else "param cases"
            total = f"{cases} {what} × {reps} seed{'s' if reps != 1 else ''} = {s.total} runs"
        if not s.total_from_manifest:
            total = f"{s.n_runs} runs (no total in a manifest)"
        line("Total", total)
        op = manifest.get("operation") if isinstance(manifest.get("operation"), Mapping) else {}
        if op:
            line("Operation", f"{op.get('name', '—')}  ({op.get('ref', '—')})")
            line("Code hash", str(op.get("code_hash") or "—"))
        ctx = manifest.get("context_fingerprint")
        if ctx:
            line("Context", str(ctx))
        meta = manifest.get("metadata")
        if isinstance(meta, Mapping) and meta:
            line("Metadata", ", ".join(f"{k}={_value(v)}" for k, v in list(meta.items())[:6]))
        line("Folder", str(s.path.name))
        history = manifest_history(files)
        out.append("\nHistory", style="bold")
        out.append(f"  ({len(history)} manifest{'s' if len(history) != 1 else ''})\n", style="dim")
        for name, submitted, runs in history[:8]:
            out.append(f"  {name}", style=key_style)
            out.append(f"  {submitted}  {runs} runs\n")
        if len(history) > 8:
            out.append(f"  … {len(history) - 8} more\n", style="dim")
        return out
