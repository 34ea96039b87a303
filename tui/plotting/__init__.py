"""Curve plotting for metalab-tui: reduce long curves to the pane, then draw them.

``reduce`` is numpy only; ``render`` adds plotext. Neither imports textual, so both
can be used and benchmarked without a running app.
"""

from __future__ import annotations

from tui.plotting.reduce import log_safe, reduce_envelope, smooth_ema
from tui.plotting.render import Series, render_curves

__all__ = ["Series", "log_safe", "reduce_envelope", "render_curves", "smooth_ema"]
