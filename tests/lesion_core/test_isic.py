"""The ISIC challenge's columns."""

from __future__ import annotations

from lesion_core.isic import ISIC_COLUMNS, ISIC_HEADER
from lesion_core.labels import CLASS_CODES


def test_the_isic_columns_are_the_class_codes_in_capitals():
    assert sorted(column.lower() for column in ISIC_COLUMNS) == sorted(CLASS_CODES)
    assert ISIC_HEADER[1:] == ISIC_COLUMNS and ISIC_HEADER[0] == "image"
