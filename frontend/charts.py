"""The probability bar chart: all seven classes, most probable first, malignant ones in red."""

from __future__ import annotations

import altair as alt
import pandas as pd

TYPE_COLOURS = {"malignant": "#c0392b", "benign": "#2e86c1"}
MUTED_COLOURS = {"malignant": "#c8b8b6", "benign": "#b8c4cc"}  # for an unreliable answer
# One tick every 20 %: every 5 % crowds the axis, worst in a narrow side-by-side column.
TICKS = list(range(0, 101, 20))
# A side-by-side column has room for fewer: where even these crowd, Vega hides every other one
# and keeps 0, 50 and 100 (of six ticks it would keep 0, 40 and 80: an axis that seems to end
# at 80).
NARROW_TICKS = list(range(0, 101, 25))
# The widest figure right of a bar: every chart keeps room for it right of its 100 % line.
WIDEST_FIGURE = "100.0"
FULL_NAME_LIMIT = 360  # pixels a full class name may take before it is cut short
# Pixels kept left of the bars for class codes, whatever they say: charts side by side then
# start their bars at the same place.
CODE_LABEL_WIDTH = 50


def probability_chart(
    frame: pd.DataFrame, muted: bool = False, label_width: int | None = None
) -> alt.LayerChart:
    """Return horizontal bars of `frame` (from results.probability_frame) on a 0–100 % axis,
    sorted by probability, the highest on top; `muted` greys them out (an answer the input check
    calls unreliable), and `label_width` fixes the pixels left of the bars (None: as needed) for
    a narrow side-by-side chart, whose axis then has fewer ticks."""
    colours = MUTED_COLOURS if muted else TYPE_COLOURS
    order = frame.sort_values("Probability (%)", ascending=False, kind="stable")["Class"].tolist()
    labels_axis = (
        alt.Axis(labelLimit=FULL_NAME_LIMIT)
        if label_width is None
        else alt.Axis(labelLimit=label_width - 8, minExtent=label_width, maxExtent=label_width)
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "Probability (%):Q",
                scale=alt.Scale(domain=[0, 100]),
                title="Probability (%)",
                axis=alt.Axis(values=TICKS if label_width is None else NARROW_TICKS),
            ),
            # The order of classes is written into the spec as a list, not left to the rows'
            # order (a chart redrawn with another model's answer kept the first answer's) nor to
            # a sort by value (the layers' shared scale merges sorted and unsorted domains, and
            # once drew the zero bars on top).
            y=alt.Y(
                "Class:N",
                sort=order,
                title=None,
                axis=labels_axis,
            ),
            color=alt.Color(
                "Type:N",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                # One entry a row: a narrow side-by-side chart cuts a row of two short.
                legend=alt.Legend(title="Class type", orient="bottom", columns=1),
            ),
            tooltip=["Class", alt.Tooltip("Probability (%):Q", format=".1f"), "Type"],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(
        text=alt.Text("Probability (%):Q", format=".1f"),
        color=alt.value("#999999" if muted else "#333333"),
    )
    # An invisible widest figure at 100 %: a chart that fits its column shrinks its bars to make
    # room for the figures right of them, so without it a chart whose top bar is long (99.6)
    # would draw its 0–100 % axis narrower than its neighbours'.
    room = (
        alt.Chart(pd.DataFrame({"Probability (%)": [100.0], "Figure": [WIDEST_FIGURE]}))
        .mark_text(align="left", dx=4, opacity=0, aria=False)
        .encode(x="Probability (%):Q", text="Figure:N")
    )
    return (bars + labels + room).properties(height=alt.Step(28))
