"""The classical baseline the segmenter is measured against: Otsu thresholding plus clean-up.

Lesions are darker than the skin around them, so pixels below Otsu's threshold of the smoothed
grey image are candidates. The dark corners of a dermatoscope's round field of view are too,
so regions touching the border are dropped unless nothing else is left; small specks are
opened away, holes filled, and the largest remaining region is the lesion.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage import color, filters, measure, morphology

SMOOTHING_SIGMA = 2.0  # pixels of Gaussian blur before thresholding (hair, texture)
OPENING_RADIUS = 3  # pixels; removes specks and thin hairs from the mask


def otsu_mask(rgb: np.ndarray) -> np.ndarray:
    """Return a (height, width) boolean lesion mask for a (height, width, 3) uint8 image."""
    grey = filters.gaussian(color.rgb2gray(rgb), sigma=SMOOTHING_SIGMA)
    if np.ptp(grey) == 0:
        return np.zeros(grey.shape, dtype=bool)
    candidates = grey < filters.threshold_otsu(grey)
    candidates = ndimage.binary_opening(candidates, structure=morphology.disk(OPENING_RADIUS))
    regions = measure.label(candidates)
    if regions.max() == 0:
        return candidates
    border = np.unique(np.concatenate([regions[0], regions[-1], regions[:, 0], regions[:, -1]]))
    sizes = np.bincount(regions.ravel())
    sizes[0] = 0
    inner = sizes.copy()
    inner[border] = 0
    chosen = int(np.argmax(inner)) if inner.max() > 0 else int(np.argmax(sizes))
    return ndimage.binary_fill_holes(regions == chosen)
