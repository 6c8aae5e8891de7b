"""A context model beside a classifier: read, checked against the classifier's version."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesion_runtime.context_head import CONTEXT_FILE, FEATURES, ContextHead, load_context_head
from lesion_runtime.model_file import ModelLoadError


def written(tmp_path, **changes) -> object:
    head = ContextHead(np.zeros((len(FEATURES), 7)), np.zeros(len(FEATURES)), "m-1")
    (tmp_path / CONTEXT_FILE).write_text(json.dumps(head.as_dict() | changes))
    return tmp_path / "model.onnx"


def test_none_without_a_file(tmp_path):
    assert load_context_head(tmp_path / "model.onnx", "m-1") is None


def test_one_fitted_on_this_version_is_read(tmp_path):
    assert load_context_head(written(tmp_path), "m-1").model_version == "m-1"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"model_version": "m-0"}, "fitted on m-0, not m-1"),
        ({"features": ["age"]}, "other features"),
        ({"weights": [[0.0]]}, "weights of shape"),
    ],
)
def test_a_broken_or_stale_one_stops_the_start_with_a_reason(tmp_path, changes, says):
    with pytest.raises(ModelLoadError, match=says):
        load_context_head(written(tmp_path, **changes), "m-1")
