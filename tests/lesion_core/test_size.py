"""One Size type, width first, for every image size."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.size import Size


def test_a_square_side_and_a_pair_become_sizes():
    assert Size.of(28) == Size(width=28, height=28)
    assert Size.of((224, 168)) == Size(width=224, height=168)


def test_shape_is_height_first_as_arrays_are():
    size = Size(width=224, height=168)
    assert np.zeros((*size.shape, 3)).shape == (168, 224, 3)


@pytest.mark.parametrize(
    "shape", [(168, 224), (168, 224, 3), (5, 168, 224, 3)], ids=["plane", "image", "batch"]
)
def test_an_array_shape_gives_its_size(shape):
    assert Size.of_array(shape) == Size(width=224, height=168)


def test_written_form_round_trips():
    assert str(Size(224, 168)) == "224x168"
    assert Size.parse("224x168") == Size(224, 168)


@pytest.mark.parametrize(
    "text", ["224", "224x", "x168", "0x168", "224x-1", "ax168", "224*168", "224X168"]
)
def test_parse_refuses_what_is_not_width_x_height(text):
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        Size.parse(text)
