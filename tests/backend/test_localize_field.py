"""POST /localize on an image with a dark border: the classifier sees the field, the outline and
the heat-map stay in the upload's pixels."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from tests.conftest import encode, lesion_like_image

FIELD = (60, 45, 360, 270)  # where the 300×225 photo sits in the 420×315 upload


def framed_jpeg() -> bytes:
    """Return a lesion photo inside a black frame, as a JPEG."""
    canvas = Image.new("RGB", (420, 315))
    canvas.paste(lesion_like_image(300, 225, 3, (150.0, 110.0), 50.0), FIELD[:2])
    return encode(canvas, quality=95)


def test_a_framed_uploads_heatmap_covers_its_field_and_its_outline_finds_the_lesion(client):
    response = client.post("/localize", data={"file": (io.BytesIO(framed_jpeg()), "f.jpg")})
    assert response.status_code == 200, response.json
    body = response.json
    alpha = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["heatmap_png"]))))[..., 3]
    assert alpha.shape == (315, 420)
    assert alpha[:, : FIELD[0] - 2].max() == 0 and alpha[:, FIELD[2] + 2 :].max() == 0
    assert (
        alpha[: FIELD[1] - 2].max() == 0
        and alpha[FIELD[1] : FIELD[3], FIELD[0] : FIELD[2]].max() > 0
    )
    x0, y0, x1, y1 = body["lesion"]["box"]
    assert FIELD[0] <= x0 < x1 <= FIELD[2] and FIELD[1] <= y0 < y1 <= FIELD[3]


def test_a_frame_does_not_change_the_classifiers_answer_much(client):
    plain = encode(lesion_like_image(300, 225, 3, (150.0, 110.0), 50.0), quality=95)
    answers = [
        client.post("/predict", data={"file": (io.BytesIO(data), "x.jpg")}).json["probabilities"]
        for data in (plain, framed_jpeg())
    ]
    assert max(abs(answers[0][c] - answers[1][c]) for c in answers[0]) < 0.1
