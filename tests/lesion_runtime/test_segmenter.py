"""The segmenter in a worker: loads the shipped ONNX model, refuses others."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_runtime.model_file import ModelLoadError
from lesion_runtime.segmenter import Segmenter


def test_shipped_segmenter_maps_an_image_to_probabilities_of_its_size(segmenter):
    width, height = segmenter.info.input_size
    image = np.full((height, width, 3), 200, dtype=np.uint8)
    maps = segmenter.probabilities(image)
    assert maps.shape == (height, width)
    assert 0 <= maps.min() <= maps.max() <= 1


def test_segmenter_version_names_the_file_digest(segmenter):
    assert segmenter.info.version.startswith(f"{segmenter.info.name}-")
    assert len(segmenter.info.version.rsplit("-", 1)[1]) == 12


def test_a_classifier_is_refused_as_segmenter(model_path):
    with pytest.raises(ModelLoadError, match="not one map per input pixel"):
        Segmenter(model_path)


def test_a_missing_segmenter_file_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        Segmenter(tmp_path / "model.onnx")
