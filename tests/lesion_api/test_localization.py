"""The /localize types: a box must enclose something."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lesion_api.localization import Lesion

LESION = {"found": True, "box": [1, 2, 30, 40], "area_fraction": 0.123456, "mask_png": "iVBOR"}


def test_a_lesion_keeps_its_box_and_rounds_its_area() -> None:
    lesion = Lesion.model_validate(LESION)
    assert lesion.box == (1, 2, 30, 40) and lesion.area_fraction == 0.1235


@pytest.mark.parametrize("box", [[1, 2, 3], [5, 5, 5, 9], [5, 9, 9, 2]])
def test_a_box_of_the_wrong_length_or_empty_is_refused(box) -> None:
    with pytest.raises(ValidationError):
        Lesion.model_validate(LESION | {"box": box})
