"""Textual widgets of metalab-tui."""

from __future__ import annotations

from tui.widgets.curve_plot import CurvePlot

__all__ = ["CurvePlot"]
