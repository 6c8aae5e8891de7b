"""The backend's JSON answers become typed objects; malformed ones raise ValueError."""

from __future__ import annotations

import pytest

from frontend.responses import (
    FileError,
    parse_health,
    parse_localization,
    parse_metadata,
    parse_predictions,
)
from tests.frontend.stub_backend import (
    CODES,
    DISAGREEING,
    HEALTH_OK,
    METADATA_OK,
    localization_body,
)

ONE = {
    "label": "mel",
    "label_name": "Melanoma",
    "malignant": True,
    "confidence": 0.7,
    "probabilities": dict.fromkeys(CODES, 0.05) | {"mel": 0.7},
    "model_version": "v1",
}


def test_health_gives_model_version() -> None:
    assert parse_health(HEALTH_OK).model_version == "stub-1"


def test_metadata_gives_classes_and_limits() -> None:
    meta = parse_metadata(METADATA_OK)
    assert [c.code for c in meta.classes] == list(CODES)
    assert [c.code for c in meta.classes if c.malignant] == ["akiec", "bcc", "mel"]
    assert (meta.max_files, meta.max_upload_bytes) == (16, 10 * 1024 * 1024)


def test_single_prediction_is_one_object() -> None:
    [prediction] = parse_predictions(ONE, 1)
    assert (prediction.label, prediction.confidence, prediction.malignant) == ("mel", 0.7, True)


def test_several_predictions_keep_upload_order_and_refusals() -> None:
    refused = {"file": "b.gif", "error": {"code": "unsupported_image_type", "message": "GIF"}}
    body = {"results": [ONE | {"file": "a.jpg"}, refused], "model_version": "v1"}
    first, second = parse_predictions(body, 2)
    assert (first.file, first.label) == ("a.jpg", "mel")
    assert isinstance(second, FileError)
    assert (second.file, second.error.code) == ("b.gif", "unsupported_image_type")


def test_probabilities_are_a_plain_dict_of_the_seven_classes() -> None:
    [prediction] = parse_predictions(ONE, 1)
    assert prediction.probabilities["mel"] == 0.7 and list(prediction.probabilities) == list(CODES)


def test_metadata_gives_input_size_and_accepted_extensions() -> None:
    jpeg = {"name": "JPEG", "media_type": "image/jpeg", "extensions": ["jpeg", "jpg"]}
    meta = parse_metadata(METADATA_OK | {"formats": [jpeg]})
    assert meta.input_size == 28
    assert meta.accepted_extensions == ("jpeg", "jpg")


def test_metadata_without_formats_falls_back_to_jpeg_and_png() -> None:
    assert parse_metadata(METADATA_OK).accepted_extensions == ("jpg", "jpeg", "png")


@pytest.mark.parametrize(
    ("body", "count"),
    [
        (None, 1),
        ({"label": "mel"}, 1),
        (ONE | {"probabilities": [0.1] * 7}, 1),
        (ONE | {"probabilities": dict.fromkeys(CODES[:6], 0.1)}, 1),
        (ONE | {"label": "xyz"}, 1),
        ({"results": [ONE], "model_version": "v"}, 2),
        ({"results": [ONE, {"file": "x"}], "model_version": "v"}, 2),
        ({"model_version": "v"}, 2),
    ],
)
def test_malformed_predictions_raise_value_error(body: object, count: int) -> None:
    with pytest.raises(ValueError):
        parse_predictions(body, count)


def test_health_without_model_raises_value_error() -> None:
    with pytest.raises(ValueError, match="model"):
        parse_health({"status": "ok"})


def test_localization_gives_prediction_lesion_and_heatmap() -> None:
    localization = parse_localization(localization_body((60, 40), "bcc"))
    assert localization.prediction.label == "mel"
    assert localization.lesion.found and localization.lesion.box == (21, 11, 40, 30)
    assert 0 < localization.lesion.area_fraction < 1
    assert localization.heatmap is not None and localization.heatmap.class_code == "bcc"
    assert localization.segmenter_version == "stub-seg-1"


def test_localization_without_lesion_or_heatmap_has_none() -> None:
    body = localization_body((60, 40), "mel", found=False) | {
        "heatmap_png": None,
        "heatmap_class": None,
        "heatmap_size": None,
    }
    localization = parse_localization(body)
    assert (localization.lesion.found, localization.lesion.box) == (False, None)
    assert localization.heatmap is None


def test_an_ensembles_answer_carries_its_members_agreement() -> None:
    [prediction] = parse_predictions(ONE | {"agreement": DISAGREEING}, 1)
    localization = parse_localization(
        localization_body((60, 40), "mel") | {"agreement": DISAGREEING}
    )
    for agreement in (prediction.agreement, localization.prediction.agreement):
        assert agreement is not None and not agreement.agree
        assert [(m.model, m.label) for m in agreement.members] == [
            ("efficientnet_lite0", "mel"),
            ("resnet_small_2x", "bkl"),
        ]


def test_a_single_models_answer_has_no_agreement() -> None:
    [prediction] = parse_predictions(ONE, 1)
    assert prediction.agreement is None


GOOD = localization_body((60, 40), "mel")


@pytest.mark.parametrize(
    "body",
    [
        ONE,
        {k: v for k, v in GOOD.items() if k != "segmenter_version"},
        GOOD | {"lesion": GOOD["lesion"] | {"box": [1, 2, 3]}},
        GOOD | {"lesion": GOOD["lesion"] | {"box": [5, 5, 5, 9]}},
        GOOD | {"lesion": {"found": True, "box": None}},
        {k: v for k, v in GOOD.items() if k != "heatmap_png"},
    ],
    ids=["no lesion", "no segmenter version", "short box", "empty box", "no mask", "no png"],
)
def test_malformed_localization_raises_value_error(body: object) -> None:
    with pytest.raises(ValueError):
        parse_localization(body)
