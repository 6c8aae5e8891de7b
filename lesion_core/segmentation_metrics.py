"""How well a predicted lesion mask matches the ground truth: the ISIC 2018 Task 1 measures."""

from __future__ import annotations

import numpy as np

# ISIC 2018 Task 1 scored an image's Jaccard as 0 when it fell below this.
JACCARD_THRESHOLD = 0.65

Box = tuple[int, int, int, int]  # x0, y0, x1, y1: pixel edges, x1 and y1 exclusive


def jaccard(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Return |P ∩ T| / |P ∪ T| for two boolean masks (1.0 when both are empty)."""
    union = np.logical_or(predicted, truth).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(predicted, truth).sum() / union)


def dice(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Return 2|P ∩ T| / (|P| + |T|) for two boolean masks (1.0 when both are empty)."""
    total = predicted.sum() + truth.sum()
    if total == 0:
        return 1.0
    return float(2 * np.logical_and(predicted, truth).sum() / total)


def mask_box(mask: np.ndarray) -> Box | None:
    """Return the bounding box of a boolean mask's pixels, or None when it has none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def box_iou(a: Box | None, b: Box | None) -> float:
    """Return the intersection over union of two boxes (0 when either is missing)."""
    if a is None or b is None:
        return 0.0
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(width, 0) * max(height, 0)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / area) if area else 0.0


def score_masks(predicted: list[np.ndarray], truth: list[np.ndarray]) -> dict[str, float]:
    """Return mean Jaccard, Dice, thresholded Jaccard and box IoU over pairs of boolean masks."""
    pairs = list(zip(predicted, truth, strict=True))
    if not pairs:
        raise ValueError("no masks to score")
    jaccards = np.array([jaccard(p, t) for p, t in pairs])
    return {
        "images": len(pairs),
        "jaccard": float(jaccards.mean()),
        "dice": float(np.mean([dice(p, t) for p, t in pairs])),
        "thresholded_jaccard": float(np.where(jaccards < JACCARD_THRESHOLD, 0, jaccards).mean()),
        "box_iou": float(np.mean([box_iou(mask_box(p), mask_box(t)) for p, t in pairs])),
        "share_below_threshold": float((jaccards < JACCARD_THRESHOLD).mean()),
    }
