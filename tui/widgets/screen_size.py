"""The terminal sizes the screens adapt to, as classes on every screen.

Why a module of its own: both apps (the live dashboard, which can open the browser,
and the browser alone) must give their screens the same classes, so that a widget's
CSS can say once what changes in a small terminal: ``-narrow`` below
:data:`NARROW_BELOW` columns (side panes fold away, lists get narrower), ``-short``
below :data:`SHORT_BELOW` rows (captions go, tables under a chart shrink). Textual
sets the classes on each screen as the terminal is resized (its breakpoints); at
80×24 a screen has both, at the 160×48 of most snapshots neither.
"""

from __future__ import annotations

__all__ = ["HORIZONTAL_BREAKPOINTS", "NARROW_BELOW", "SHORT_BELOW", "VERTICAL_BREAKPOINTS"]

NARROW_BELOW = 110
"""Columns below which a screen is ``-narrow`` (else ``-wide``)."""
SHORT_BELOW = 32
"""Rows below which a screen is ``-short`` (else ``-tall``)."""

HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] = [(0, "-narrow"), (NARROW_BELOW, "-wide")]
VERTICAL_BREAKPOINTS: list[tuple[int, str]] = [(0, "-short"), (SHORT_BELOW, "-tall")]
"""For ``App.HORIZONTAL_BREAKPOINTS`` and ``App.VERTICAL_BREAKPOINTS``."""
