"""The probability chart's spec: sorted by value, a readable axis, and fixed room for codes."""

from __future__ import annotations

from frontend.charts import CODE_LABEL_WIDTH, NARROW_TICKS, WIDEST_FIGURE, probability_chart
from frontend.responses import Prediction, parse_metadata
from frontend.results import probability_frame
from tests.frontend.stub_backend import METADATA_OK, PREDICTION

CLASSES = parse_metadata(METADATA_OK).classes
MEL = Prediction.model_validate(PREDICTION)


def layers(label_width: int | None = None) -> list[dict]:
    """Return the layers (bars, their figures, the figures' room) of MEL's chart as Vega-Lite
    dicts."""
    frame = probability_frame(MEL, CLASSES)
    return probability_chart(frame, label_width=label_width).to_dict()["layer"]


def test_every_layer_sorts_the_classes_by_probability_highest_first() -> None:
    # In the spec as a list, not by row order nor a sort by value that the layers' shared scale
    # may merge away: a chart redrawn with another model's answer must re-sort.
    frame = probability_frame(MEL, CLASSES)
    by_value = dict(zip(frame["Class"], frame["Probability (%)"], strict=True))
    bars, figures, _ = layers()
    for layer in (bars, figures):
        order = layer["encoding"]["y"]["sort"]
        assert sorted(order) == sorted(by_value)
        assert [by_value[c] for c in order] == sorted(by_value.values(), reverse=True)


def test_probability_axis_has_a_tick_every_20_percent() -> None:
    assert layers()[0]["encoding"]["x"]["axis"]["values"] == [0, 20, 40, 60, 80, 100]


def test_a_side_by_side_chart_has_ticks_whose_every_other_one_ends_at_100() -> None:
    # Vega hides every other label where they crowd: the ticks left must still end at 100.
    ticks = layers(CODE_LABEL_WIDTH)[0]["encoding"]["x"]["axis"]["values"]
    assert ticks == NARROW_TICKS and ticks[0] == 0 and ticks[-1] == 100
    assert ticks[::2][-1] == 100 and ticks[::4][-1] == 100


def test_every_chart_keeps_room_for_the_widest_figure_right_of_100_percent() -> None:
    # Whatever the answer, each chart's figures overflow its 0–100 % axis by the same width.
    spec = probability_chart(probability_frame(MEL, CLASSES), label_width=CODE_LABEL_WIDTH)
    _, figures, room = spec.to_dict()["layer"]
    assert room["mark"]["opacity"] == 0 and room["mark"]["aria"] is False
    assert room["mark"]["dx"] == figures["mark"]["dx"] and room["mark"]["align"] == "left"
    rows = spec.to_dict()["datasets"][room["data"]["name"]]
    assert rows == [{"Probability (%)": 100.0, "Figure": WIDEST_FIGURE}]
    assert f"{100.0:.1f}" == WIDEST_FIGURE, "as wide as the figures' own format gives 100 %"


def test_code_labels_take_the_same_width_in_every_chart() -> None:
    axis = layers(CODE_LABEL_WIDTH)[0]["encoding"]["y"]["axis"]
    assert axis["minExtent"] == axis["maxExtent"] == CODE_LABEL_WIDTH
