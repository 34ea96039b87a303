"""Colour-by a parameter with many values: bins for numbers, the most common few for
the rest, and a legend that says which; colours that stay put while runs come and go.
"""

from __future__ import annotations

import re

import numpy as np

from tui.plotting.color_scale import BINS, OTHER, RAMP, TOP_K, many_value_scale
from tui.plotting.render import PALETTE, Series, format_value, render_curves

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LEARNING_RATES = [round(1e-4 * 1.035**i, 10) for i in range(200)]  # 0.0001 ... 0.094


def curves(values: list[object]) -> list[Series]:
    x = np.arange(30, dtype=float)
    return [
        Series(key=f"run-{i}", label=f"run {i}", x=x, y=np.exp(-x * (1 + i % 7) / 30),
               color_value=v)
        for i, v in enumerate(values)
    ]  # fmt: skip


def legend(frame: str) -> str:
    """The header lines above the plot, as text."""
    lines = ANSI.sub("", frame).split("\n")
    return " ".join(line.strip() for line in lines[:3])


def test_a_numeric_parameter_with_many_values_is_binned_with_a_legend_that_says_so() -> None:
    frame = render_curves(curves(LEARNING_RATES), 120, 30, color_by="lr", title="loss")
    text = legend(frame)
    assert "lr: 0.0001 … 0.094, 6 bins" in text
    for low in ("0.0001", "0.00032", "0.001", "0.0032", "0.01", "0.031"):
        assert f"■ ≥{low}" in text
    assert "+" not in text  # nothing left out of the legend

    scale = many_value_scale("lr", LEARNING_RATES, PALETTE, format_value)
    assert scale is not None
    colors = [scale.color(v) for v in LEARNING_RATES]
    ramp = [c for i, c in enumerate(colors) if i == 0 or c != colors[i - 1]]
    assert len(ramp) == BINS and len(set(ramp)) == BINS  # six colours, low to high
    assert ramp[0] == RAMP[0] and ramp[-1] == RAMP[-1]
    assert colors.count(ramp[0]) == len(LEARNING_RATES) // BINS + 1  # quantile bins
    assert all(RAMP.index(a) <= RAMP.index(b) for a, b in zip(colors, colors[1:], strict=False))


def test_a_named_parameter_with_many_values_keeps_the_most_common_and_greys_the_rest() -> None:
    values: list[object] = ["adam"] * 5 + ["sgd"] * 4 + [f"opt{i}" for i in range(30)]
    frame = render_curves(curves(values), 140, 30, color_by="optimizer")
    text = legend(frame)
    assert f"optimizer: 32 values, top {TOP_K}" in text
    assert "■ adam" in text and "■ sgd" in text
    assert f"■ other ({32 - TOP_K})" in text

    scale = many_value_scale("optimizer", values, PALETTE, format_value)
    assert scale is not None
    assert scale.color("adam") == PALETTE[0] and scale.color("sgd") == PALETTE[1]
    assert scale.color("opt29") == OTHER  # a rare one: grey
    assert len({scale.color(v) for v in values}) == TOP_K + 1


def test_few_values_keep_a_colour_each() -> None:
    assert many_value_scale("lr", [0.1, 0.2, 0.1, 0.3], PALETTE, format_value) is None
    frame = render_curves(curves([0.1, 0.2, 0.3]), 100, 20, color_by="lr")
    assert "■ lr=0.1  ■ lr=0.2  ■ lr=0.3" in legend(frame)


def test_with_the_sweeps_values_a_value_keeps_its_colour_whichever_runs_are_drawn() -> None:
    domain = list(LEARNING_RATES)
    everything = curves(LEARNING_RATES)
    few = [everything[0], everything[150]]
    drawn_all = render_curves(everything, 120, 30, color_by="lr", color_domain=domain)
    drawn_few = render_curves(few, 120, 30, color_by="lr", color_domain=domain)
    assert legend(drawn_all) == legend(drawn_few)  # the legend is the sweep's, not the frame's
    codes = {int(c) for c in re.findall(r"38;5;(\d+)m[▗▖▝▘▚▞▐▌▀▄█]", drawn_few)}
    scale = many_value_scale("lr", domain, PALETTE, format_value)
    assert scale is not None
    assert codes == {scale.color(LEARNING_RATES[0]), scale.color(LEARNING_RATES[150])}

    small = [0.1, 0.2, 0.3]
    only_last = render_curves(curves([0.3]), 100, 20, color_by="lr", color_domain=small)
    assert f"38;5;{PALETTE[2]}m" in only_last  # 0.3 is the third value, drawn alone or not
    assert "■ lr=0.1  ■ lr=0.2  ■ lr=0.3" in legend(only_last)
