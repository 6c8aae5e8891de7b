"""Heat-maps from class activation maps, without TensorFlow: what the service draws.

An exported classifier that ends in global average pooling has a second ONNX output,
`class_activations` (h, w, classes): Σ_k w_kc A_k at each position of its last feature map.
For such a model that is Grad-CAM (see `training.classifier.gradcam`), up to a positive scale.
"""

from __future__ import annotations

import numpy as np

CAM_OUTPUT = "class_activations"


def normalise(maps: np.ndarray) -> np.ndarray:
    """Return each (…, h, w) map divided by its maximum (an all-zero map stays zero), float32."""
    maps = np.asarray(maps, dtype=np.float32)
    peaks = maps.max(axis=(-2, -1), keepdims=True)
    return np.divide(maps, peaks, out=np.zeros_like(maps), where=peaks > 0)


def class_heatmap(activations: np.ndarray, class_index: int) -> np.ndarray:
    """Return the (h, w) Grad-CAM map in [0, 1] of one class from (h, w, classes) activations."""
    return normalise(np.maximum(activations[..., class_index], 0.0))
