"""The input check in every answer: dermoscopy passes, other images are flagged, each quality
problem gets its sentence; the check informs and never refuses."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image, ImageEnhance, ImageFilter

from backend.app import create_app
from backend.settings import Settings
from lesion_core.decode import DecodeLimits
from lesion_core.image_quality import (
    BLURRED,
    MEASURE_SIZE,
    TOO_DARK,
    TOO_SMALL,
    WASHED_OUT,
    quality_warnings,
)
from lesion_core.preprocess import preprocess, preprocess_for_segmenter
from lesion_runtime.decoding import Upload, decoded_inputs
from lesion_runtime.input_check import NOT_DERMOSCOPIC, InputChecker
from lesion_runtime.model_file import ModelLoadError
from tests.backend.images import not_dermoscopy
from tests.backend.test_metrics import sample_value, scrape
from tests.conftest import SHIPPED_SEGMENTER, encode
from tests.servers import REPO_ROOT, gunicorn_server

DERMOSCOPY = REPO_ROOT / "samples" / "ISIC_0024318.jpg"

LIMITS = DecodeLimits(10**8)


def dermoscopy() -> Image.Image:
    """Return a HAM10000 sample (600×450) that has no quality problem."""
    return Image.open(DERMOSCOPY).convert("RGB")


def post(client, data: bytes, path: str = "/predict"):
    return client.post(path, data={"file": (io.BytesIO(data), "image.png")})


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_a_dermoscopic_sample_passes_without_warnings(client, path):
    answer = post(client, DERMOSCOPY.read_bytes(), path)
    check = answer.json["input_check"]
    assert check["dermoscopic"] is True and check["warnings"] == []
    assert 0 <= check["score"] <= 1 and round(check["score"], 4) == check["score"]


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_a_non_dermoscopic_image_is_flagged_and_still_classified(client, path):
    answer = post(client, not_dermoscopy(), path)
    assert answer.status_code == 200 and answer.json["label"]
    check = answer.json["input_check"]
    assert check["dermoscopic"] is False
    assert check["warnings"][0] == NOT_DERMOSCOPIC
    assert check["warning_codes"][0] == "not_dermoscopic"
    assert len(check["warning_codes"]) == len(check["warnings"])


@pytest.mark.parametrize(
    ("change", "code", "warning"),
    [
        (lambda im: im.resize((100, 75)), "too_small", TOO_SMALL.format(width=100, height=75)),
        (lambda im: ImageEnhance.Brightness(im).enhance(0.25), "too_dark", TOO_DARK),
        (lambda im: ImageEnhance.Brightness(im).enhance(2.2), "washed_out", WASHED_OUT),
        (lambda im: im.filter(ImageFilter.GaussianBlur(4)), "blurred", BLURRED),
    ],
    ids=["too small", "too dark", "washed out", "blurred"],
)
def test_each_quality_problem_gets_its_sentence_and_code(client, change, code, warning):
    check = post(client, DERMOSCOPY.read_bytes()).json["input_check"]
    assert check["warnings"] == check["warning_codes"] == []
    check = post(client, encode(change(dermoscopy()), "PNG")).json["input_check"]
    assert (code, warning) in zip(check["warning_codes"], check["warnings"], strict=True)


def test_a_large_upload_is_judged_as_at_full_size(client):
    large = dermoscopy().resize((2400, 1800), Image.Resampling.BICUBIC)
    blurred = large.filter(ImageFilter.GaussianBlur(24))
    for image, expected in ((large, []), (blurred, [BLURRED])):
        at_full_size = quality_warnings(Image.open(io.BytesIO(encode(image))).convert("RGB"))
        assert [warning.message for warning in at_full_size] == expected
        assert post(client, encode(image)).json["input_check"]["warnings"] == expected


@pytest.mark.parametrize(
    "data", [DERMOSCOPY.read_bytes(), not_dermoscopy()], ids=["dermoscopy", "photo"]
)
def test_localize_judges_an_upload_as_predict_does(client, data):
    assert (
        post(client, data, "/localize").json["input_check"]
        == post(client, data).json["input_check"]
    )


@pytest.fixture
def decodes(monkeypatch) -> list[tuple[int, int]]:
    """The (width, height) each decode of an upload was asked to cover, in order."""
    import lesion_core.preprocess as preprocess

    asked = []
    decoded_rgb = preprocess.decoded_rgb

    def counted(image, *size):
        asked.append(size)
        return decoded_rgb(image, *size)

    monkeypatch.setattr(preprocess, "decoded_rgb", counted)
    return asked


def test_one_decode_serves_a_28_pixel_classifier_and_the_check(decodes, input_checker):
    upload = Upload(DERMOSCOPY.read_bytes(), "lesion.jpg")
    made = decoded_inputs(upload, [(28, 28)], input_checker, LIMITS, "it")
    (model_input,), views = made.inputs, made.check_views
    assert len(decodes) == 1
    np.testing.assert_array_equal(model_input, preprocess(upload.data))
    alone = input_checker.views(upload.data, 10**8)
    np.testing.assert_array_equal(views.model_input, alone.model_input)
    assert views.size == alone.size == (600, 450)
    assert views.quality_warnings() == alone.quality_warnings() == []


def test_a_larger_model_input_leaves_the_check_its_own_decode(decodes, input_checker):
    # Decoding for 160×120 would give the check's views another scale than they were fitted on.
    upload = Upload(DERMOSCOPY.read_bytes(), "lesion.jpg")
    made = decoded_inputs(upload, [(160, 120)], input_checker, LIMITS, "it")
    (model_input,), views = made.inputs, made.check_views
    assert len(decodes) == 2
    np.testing.assert_array_equal(model_input, preprocess(upload.data, (160, 120)))
    np.testing.assert_array_equal(
        views.model_input, input_checker.views(upload.data, 10**8).model_input
    )


def test_localize_decodes_once_for_the_classifier_segmenter_and_check(decodes, input_checker):
    upload = Upload(DERMOSCOPY.read_bytes(), "lesion.jpg")
    sizes = [(28, 28), MEASURE_SIZE]
    decoded = decoded_inputs(upload, sizes, input_checker, LIMITS, "it", whole_frame=[False, True])
    (image, segmenter_input), views = decoded.inputs, decoded.check_views
    assert len(decodes) == 1 and decoded.size == (600, 450) and decoded.field is None
    np.testing.assert_array_equal(image, preprocess(upload.data))
    np.testing.assert_array_equal(segmenter_input, preprocess_for_segmenter(upload.data)[0])
    np.testing.assert_array_equal(
        views.model_input, input_checker.views(upload.data, 10**8).model_input
    )


def test_quality_is_judged_on_the_upright_image(client):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 100×75, shown 75×100 after the EXIF quarter turn
    answer = post(client, encode(dermoscopy().resize((100, 75)), "JPEG", exif=exif))
    assert TOO_SMALL.format(width=75, height=100) in answer.json["input_check"]["warnings"]


def test_each_file_of_several_gets_its_own_verdict(client):
    images = [DERMOSCOPY.read_bytes(), b"not an image", not_dermoscopy()]
    form = {"file": [(io.BytesIO(d), f"{i}.png") for i, d in enumerate(images)]}
    good, refused, flagged = client.post("/predict", data=form).json["results"]
    assert good["input_check"]["dermoscopic"] and "input_check" not in refused
    assert flagged["input_check"]["dermoscopic"] is False


def test_flags_are_counted_in_metrics(client):
    before = sample_value(scrape(client), "lesion_input_check_flags_total", flag="not_dermoscopic")
    post(client, not_dermoscopy())
    after = sample_value(scrape(client), "lesion_input_check_flags_total", flag="not_dermoscopic")
    assert after == before + 1


def test_without_a_check_answers_say_null(predictor, segmenter):
    settings = Settings(segmenter_path=SHIPPED_SEGMENTER)
    client = create_app(settings, predictor, segmenter).test_client()
    assert post(client, DERMOSCOPY.read_bytes()).json["input_check"] is None
    assert client.get("/health").json["input_check"] is None


def test_metadata_and_health_name_the_check(client, input_checker):
    described = client.get("/metadata").json["input_check"]
    assert described["threshold"] == input_checker.info.threshold
    assert described["input_size"] == [64, 64]
    assert client.get("/health").json["input_check"]["version"] == input_checker.info.version


def test_a_check_without_a_threshold_is_refused(input_check_path: Path, tmp_path: Path):
    copy = tmp_path / "model.onnx"
    copy.write_bytes(input_check_path.read_bytes())
    (tmp_path / "config.json").write_text(json.dumps({"name": "check"}))
    with pytest.raises(ModelLoadError, match="threshold"):
        InputChecker(copy)


@pytest.fixture(scope="module")
def checking_server(input_check_path: Path) -> Iterator[str]:
    """gunicorn with INPUT_CHECK_PATH set."""
    model = REPO_ROOT / "models" / "resnet_small_2x" / "model.onnx"
    with gunicorn_server(model, env={"INPUT_CHECK_PATH": str(input_check_path)}) as (url, _):
        yield url


@pytest.mark.server
def test_real_server_flags_a_non_dermoscopic_image_and_passes_dermoscopy(checking_server: str):
    def check(data: bytes) -> dict:
        files = {"file": ("image.png", data, "image/png")}
        answer = requests.post(f"{checking_server}/predict", files=files, timeout=30)
        return answer.json()["input_check"]

    assert check(DERMOSCOPY.read_bytes()) == {
        "dermoscopic": True,
        "score": pytest.approx(0.5, abs=0.5),
        "warnings": [],
        "warning_codes": [],
    }
    flagged = check(not_dermoscopy())
    assert flagged["dermoscopic"] is False and flagged["warnings"][0] == NOT_DERMOSCOPIC
    assert flagged["warning_codes"][0] == "not_dermoscopic"
