"""POST /localize through Flask's test client: the contract, the class choice, errors."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from backend.app import create_app
from backend.settings import Settings
from lesion_core.labels import CLASS_CODES
from lesion_core.segmentation_metrics import jaccard
from lesion_runtime.predictor import Predictor
from tests.backend.images import png_bomb
from tests.conftest import PAPER_MODEL, disc_mask, encode, lesion_like_image


def localize(client, data: bytes, **form):
    return client.post(
        "/localize",
        data={"file": (io.BytesIO(data), "lesion.jpg"), **form},
        content_type="multipart/form-data",
    )


def decode_png(text: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(text)))


# An off-centre disc: the outline must follow it, not the middle of the image.
WIDTH, HEIGHT, CENTRE, RADIUS = 300, 225, (190.0, 95.0), 55.0


@pytest.fixture(scope="module")
def disc_jpeg() -> bytes:
    return encode(lesion_like_image(WIDTH, HEIGHT, 3, CENTRE, RADIUS), quality=95)


def test_localize_returns_the_predict_answer_plus_lesion_and_heatmap(client, disc_jpeg):
    response = localize(client, disc_jpeg)
    assert response.status_code == 200, response.json
    body = response.json
    predicted = client.post("/predict", data={"file": (io.BytesIO(disc_jpeg), "x.jpg")}).json
    for key in ("label", "probabilities", "confidence", "model_version"):
        assert body[key] == predicted[key]
    assert set(body["lesion"]) == {"found", "box", "area_fraction", "mask_png"}
    assert body["heatmap_class"] == body["label"]
    assert body["segmenter_version"].startswith("lesion_unet-")


def test_mask_is_a_binary_png_of_the_upload_size_that_finds_the_disc(client, disc_jpeg):
    lesion = localize(client, disc_jpeg).json["lesion"]
    mask = decode_png(lesion["mask_png"])
    assert mask.size == (WIDTH, HEIGHT) and mask.mode == "L"
    pixels = np.asarray(mask)
    assert set(np.unique(pixels)) <= {0, 255}
    truth = disc_mask(WIDTH, HEIGHT, CENTRE, RADIUS)
    assert jaccard(pixels > 0, truth) > 0.8
    assert lesion["area_fraction"] == pytest.approx((pixels > 0).mean(), abs=5e-5)  # 4 decimals


def test_box_encloses_the_disc_in_upload_pixels(client, disc_jpeg):
    lesion = localize(client, disc_jpeg).json["lesion"]
    assert lesion["found"] is True
    x0, y0, x1, y1 = lesion["box"]
    expected = (CENTRE[0] - RADIUS, CENTRE[1] - RADIUS, CENTRE[0] + RADIUS, CENTRE[1] + RADIUS)
    assert np.abs(np.subtract((x0, y0, x1, y1), expected)).max() < 12


def test_heatmap_is_an_rgba_png_of_the_upload_size(client, disc_jpeg):
    body = localize(client, disc_jpeg).json
    heatmap = decode_png(body["heatmap_png"])
    assert heatmap.mode == "RGBA" and heatmap.size == (WIDTH, HEIGHT)
    assert body["heatmap_size"] == [WIDTH, HEIGHT]
    alpha = np.asarray(heatmap)[..., 3]
    assert alpha.max() > 0 and alpha.min() < alpha.max()


@pytest.mark.parametrize("code", ["mel", "vasc"])
def test_class_field_chooses_the_explained_class(client, disc_jpeg, code):
    body = localize(client, disc_jpeg, **{"class": code}).json
    assert body["heatmap_class"] == code


def test_class_query_parameter_works_too(client, disc_jpeg):
    response = client.post(
        "/localize?class=bcc",
        data={"file": (io.BytesIO(disc_jpeg), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.json["heatmap_class"] == "bcc"


def test_heatmaps_of_different_classes_differ(client, disc_jpeg):
    maps = {code: localize(client, disc_jpeg, **{"class": code}).json for code in CLASS_CODES}
    assert len({body["heatmap_png"] for body in maps.values()}) > 1


def test_unknown_class_is_400(client, disc_jpeg):
    response = localize(client, disc_jpeg, **{"class": "melanoma"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_class"
    assert "mel" in response.json["error"]["message"]


def test_an_unknown_class_in_the_query_is_400_even_beside_a_valid_form_field(client, disc_jpeg):
    response = client.post(
        "/localize?class=AAA",
        data={"file": (io.BytesIO(disc_jpeg), "x.jpg"), "class": "akiec"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_class"
    assert "'AAA'" in response.json["error"]["message"]


def test_a_query_parameter_and_a_form_field_that_disagree_are_refused(client, disc_jpeg):
    response = client.post(
        "/localize?class=bcc",
        data={"file": (io.BytesIO(disc_jpeg), "x.jpg"), "class": "df"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "conflicting_parameters"


def test_errors_name_the_file_like_predict_does(client):
    response = localize(client, b"junk")
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith("'lesion.jpg': ")


def test_large_upload_gets_a_full_size_mask_and_a_capped_heatmap(client):
    data = encode(lesion_like_image(2000, 1500, 1), quality=80)
    # A raw image body: multipart encoding in the test client would spool this to a temp file.
    body = client.post("/localize", data=data, content_type="image/jpeg").json
    assert decode_png(body["lesion"]["mask_png"]).size == (2000, 1500)
    assert decode_png(body["heatmap_png"]).size == (1024, 768)
    assert body["heatmap_size"] == [1024, 768]


def test_exif_rotated_upload_gets_masks_in_displayed_orientation(client):
    image = lesion_like_image(300, 200, 5)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    data = encode(image, quality=90, exif=exif.tobytes())
    body = localize(client, data).json
    assert decode_png(body["lesion"]["mask_png"]).size == (200, 300)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"not an image", 400, "invalid_image"),
        (b"", 400, "empty_file"),
        (png_bomb(), 413, "image_too_large"),
        (encode(lesion_like_image(), "GIF"), 415, "unsupported_image_type"),
    ],
)
def test_bad_uploads_get_the_same_errors_as_predict(client, payload, status, code):
    response = localize(client, payload)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_more_than_one_file_is_refused_with_a_pointer_to_predict(client, disc_jpeg):
    response = client.post(
        "/localize",
        data={"file": [(io.BytesIO(disc_jpeg), "a.jpg"), (io.BytesIO(disc_jpeg), "b.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "too_many_files"
    message = response.json["error"]["message"]
    assert "/localize takes one image" in message and "several to /predict" in message


def test_without_a_segmenter_localize_is_503_and_predict_still_works(
    predictor, model_path, disc_jpeg
):
    app = create_app(Settings(model_path=model_path, segmenter_path=None), predictor)
    client = app.test_client()
    response = localize(client, disc_jpeg)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "localization_unavailable"
    assert client.get("/health").json["localization"] is None
    predicted = client.post("/predict", data={"file": (io.BytesIO(disc_jpeg), "x.jpg")})
    assert predicted.status_code == 200


def test_a_model_without_activation_maps_gets_no_heatmap(segmenter, disc_jpeg):
    settings = Settings(model_path=PAPER_MODEL)
    client = create_app(settings, Predictor(PAPER_MODEL), segmenter).test_client()
    body = localize(client, disc_jpeg).json
    assert body["heatmap_png"] is None and body["heatmap_class"] is None
    assert body["lesion"]["found"] is True


def test_health_names_the_segmenter(client):
    assert client.get("/health").json["localization"]["name"] == "lesion_unet"


def test_openapi_documents_localize_and_its_shape(client):
    document = client.get("/openapi.json").json
    operation = document["paths"]["/localize"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/LocalizeAnswer"
    )
    assert "unknown_class" in operation["responses"]["400"]["description"]
    lesion = document["components"]["schemas"]["Lesion"]
    assert set(lesion["required"]) == {
        "found",
        "box",
        "area_fraction",
        "mask_png",
    }


def test_metadata_says_which_model_is_served_why_and_the_segmenter(client):
    body = client.get("/metadata").json
    assert body["model"]["file"] == "models/resnet_small_2x/model.onnx"
    assert "default" in body["model"]["why_served"]
    assert "issue #" not in body["model"]["why_served"]
    assert "exp-" not in body["model"]["why_served"]
    assert body["localization"]["name"] == "lesion_unet"
    assert body["localization"]["input_size"] == [128, 96]
