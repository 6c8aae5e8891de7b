"""The probability bar chart: all seven classes, most probable first, malignant ones in red."""

from __future__ import annotations

import altair as alt
import pandas as pd

TYPE_COLOURS = {"malignant": "#c0392b", "benign": "#2e86c1"}
MUTED_COLOURS = {"malignant": "#c8b8b6", "benign": "#b8c4cc"}  # for an unreliable answer


def probability_chart(frame: pd.DataFrame, muted: bool = False) -> alt.LayerChart:
    """Return horizontal bars of `frame` (from results.probability_frame) on a 0–100 % axis;
    `muted` greys them out (an answer the input check calls unreliable)."""
    colours = MUTED_COLOURS if muted else TYPE_COLOURS
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Probability (%):Q", scale=alt.Scale(domain=[0, 100]), title="Probability (%)"),
            y=alt.Y("Class:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
            color=alt.Color(
                "Type:N",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                legend=alt.Legend(title="Class type", orient="bottom"),
            ),
            tooltip=["Class", alt.Tooltip("Probability (%):Q", format=".1f"), "Type"],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(
        text=alt.Text("Probability (%):Q", format=".1f"),
        color=alt.value("#999999" if muted else "#333333"),
    )
    return (bars + labels).properties(height=alt.Step(28))
