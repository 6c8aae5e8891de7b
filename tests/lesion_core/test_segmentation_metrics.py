"""The ISIC 2018 Task 1 measures: Jaccard, Dice, boxes and their means over images."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.segmentation_metrics import (
    JACCARD_THRESHOLD,
    box_iou,
    dice,
    jaccard,
    mask_box,
    score_masks,
)


def strip(columns: slice, width: int = 10, height: int = 4) -> np.ndarray:
    """Return a (height, width) boolean mask that is True in `columns` on every row."""
    mask = np.zeros((height, width), dtype=bool)
    mask[:, columns] = True
    return mask


EMPTY = strip(slice(0, 0))
LEFT_HALF = strip(slice(0, 5))
RIGHT_HALF = strip(slice(5, 10))
FIRST_FOUR = strip(slice(0, 4))
COLUMNS_2_TO_6 = strip(slice(2, 6))  # overlaps FIRST_FOUR in 2 of its 4 columns

OVERLAPS = [
    # predicted, truth, Jaccard, Dice
    (LEFT_HALF, LEFT_HALF, 1.0, 1.0),
    (LEFT_HALF, RIGHT_HALF, 0.0, 0.0),
    (FIRST_FOUR, COLUMNS_2_TO_6, 2 / 6, 2 * 2 / 8),
    (FIRST_FOUR, LEFT_HALF, 4 / 5, 2 * 4 / 9),
    (EMPTY, EMPTY, 1.0, 1.0),
    (EMPTY, LEFT_HALF, 0.0, 0.0),
    (LEFT_HALF, EMPTY, 0.0, 0.0),
]


@pytest.mark.parametrize(("predicted", "truth", "expected", "_"), OVERLAPS)
def test_jaccard_of_known_overlaps(predicted, truth, expected, _):
    assert jaccard(predicted, truth) == pytest.approx(expected)


@pytest.mark.parametrize(("predicted", "truth", "_", "expected"), OVERLAPS)
def test_dice_of_known_overlaps(predicted, truth, _, expected):
    assert dice(predicted, truth) == pytest.approx(expected)


def test_jaccard_and_dice_return_python_floats():
    assert type(jaccard(FIRST_FOUR, LEFT_HALF)) is float
    assert type(dice(FIRST_FOUR, LEFT_HALF)) is float


@pytest.mark.parametrize(
    ("rows", "columns", "expected"),
    [
        (slice(2, 5), slice(3, 7), (3, 2, 7, 5)),  # x1 and y1 are exclusive edges
        (slice(0, 8), slice(0, 10), (0, 0, 10, 8)),  # the whole image
        (slice(4, 5), slice(6, 7), (6, 4, 7, 5)),  # one pixel
    ],
)
def test_mask_box_has_exclusive_far_edges(rows, columns, expected):
    mask = np.zeros((8, 10), dtype=bool)
    mask[rows, columns] = True
    assert mask_box(mask) == expected


def test_mask_box_spans_separate_regions():
    mask = np.zeros((8, 10), dtype=bool)
    mask[1, 1] = mask[6, 8] = True
    assert mask_box(mask) == (1, 1, 9, 7)


def test_mask_box_of_an_empty_mask_is_none():
    assert mask_box(np.zeros((8, 10), dtype=bool)) is None


def test_mask_box_returns_python_ints():
    mask = np.zeros((8, 10), dtype=bool)
    mask[2:5, 3:7] = True
    assert all(type(edge) is int for edge in mask_box(mask))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),  # identical
        ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),  # disjoint
        ((0, 0, 10, 10), (10, 0, 20, 10), 0.0),  # touching edges share no pixel
        ((0, 0, 10, 10), (5, 0, 15, 10), 50 / 150),  # half of each overlaps
        ((0, 0, 10, 10), (2, 2, 7, 7), 25 / 100),  # one inside the other
        ((0, 0, 4, 2), (1, 1, 5, 3), 3 / 13),  # a corner overlap
        (None, (0, 0, 10, 10), 0.0),
        ((0, 0, 10, 10), None, 0.0),
        (None, None, 0.0),
    ],
)
def test_box_iou_of_known_boxes(a, b, expected):
    assert box_iou(a, b) == pytest.approx(expected)


def test_box_iou_is_symmetric():
    a, b = (0, 0, 4, 2), (1, 1, 5, 3)
    assert box_iou(a, b) == box_iou(b, a)


def test_score_masks_averages_over_images():
    scores = score_masks([LEFT_HALF, FIRST_FOUR], [LEFT_HALF, LEFT_HALF])
    assert scores["images"] == 2
    assert scores["jaccard"] == pytest.approx((1.0 + 0.8) / 2)
    assert scores["dice"] == pytest.approx((1.0 + 8 / 9) / 2)
    assert scores["box_iou"] == pytest.approx((1.0 + 0.8) / 2)


def test_thresholded_jaccard_zeroes_images_below_the_threshold():
    # Jaccards 1.0, 0.8 and 1/3: only the last falls under 0.65 and counts as 0.
    predicted = [LEFT_HALF, FIRST_FOUR, FIRST_FOUR]
    truth = [LEFT_HALF, LEFT_HALF, COLUMNS_2_TO_6]
    scores = score_masks(predicted, truth)
    assert scores["jaccard"] == pytest.approx((1.0 + 0.8 + 1 / 3) / 3)
    assert scores["thresholded_jaccard"] == pytest.approx((1.0 + 0.8 + 0.0) / 3)
    assert scores["share_below_threshold"] == pytest.approx(1 / 3)


def test_a_jaccard_exactly_at_the_threshold_is_kept():
    truth = strip(slice(0, 20), width=20)
    predicted = strip(slice(0, 13), width=20)  # 13 / 20 = 0.65
    assert jaccard(predicted, truth) == pytest.approx(JACCARD_THRESHOLD)
    scores = score_masks([predicted], [truth])
    assert scores["thresholded_jaccard"] == pytest.approx(JACCARD_THRESHOLD)
    assert scores["share_below_threshold"] == 0.0


def test_score_masks_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError):
        score_masks([LEFT_HALF, LEFT_HALF], [LEFT_HALF])


def test_score_masks_values_are_json_friendly():
    scores = score_masks([LEFT_HALF], [RIGHT_HALF])
    assert all(type(value) in (int, float) for value in scores.values())
