"""DICOM uploads: the image and the context of its tags, and nothing of the patient's identity."""

from __future__ import annotations

import pytest
from PIL import Image

from lesion_core.context import Context
from lesion_core.decode import ImageTooLargeError, InvalidImageError
from lesion_core.dicom import dicom_image, is_dicom
from tests.dicom_files import PATIENT_ID, PATIENT_NAME, dicom_of
from tests.servers import REPO_ROOT

IMAGE = Image.open(REPO_ROOT / "samples" / "ISIC_0024400.jpg").reduce(4)


@pytest.mark.parametrize(
    ("age", "sex", "region", "expected"),
    [
        ("064Y", "F", "Skin of back", Context(64.0, "female", "posterior torso")),
        ("018M", "M", "Left forearm", Context(1.5, "male", "upper extremity")),
        (None, "O", "Sole of foot", Context(None, None, "palms/soles")),
        ("999Y", None, "Elsewhere", Context()),  # out of range or unknown: not given
    ],
)
def test_the_tags_give_age_sex_and_site(age, sex, region, expected):
    png, context, fields = dicom_image(dicom_of(IMAGE, age=age, sex=sex, region=region), 10**8)
    assert context == expected
    assert fields == [f for f in ("age", "sex", "site") if getattr(expected, f) is not None]
    assert png.startswith(b"\x89PNG") and PATIENT_NAME.encode() not in png
    assert PATIENT_ID.encode() not in png


def test_only_dicom_files_are_taken_for_dicom():
    assert is_dicom(dicom_of(IMAGE)) and not is_dicom(b"\xff\xd8\xff" + bytes(200))


def test_a_dicom_file_over_the_pixel_limit_is_refused_before_its_pixels_are_decoded():
    with pytest.raises(ImageTooLargeError, match="the limit is 100"):
        dicom_image(dicom_of(IMAGE), 100)


def test_a_damaged_dicom_file_is_refused():
    with pytest.raises(InvalidImageError):
        dicom_image(dicom_of(IMAGE)[:300], 10**8)
