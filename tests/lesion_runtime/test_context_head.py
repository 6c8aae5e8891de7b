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


def test_it_belongs_to_one_file_of_the_folder_and_not_to_its_int8_copy(tmp_path):
    # Fitted on model.onnx (named, or by default): its int8 copy beside it answers without it.
    for changes in ({}, {"model_file": "model.onnx"}):
        served = written(tmp_path, **changes)
        assert load_context_head(served, "m-1").model_version == "m-1"
        assert load_context_head(served.with_name("model.int8.onnx"), "m-9") is None
    mine = written(tmp_path, model_file="mine.onnx")
    assert load_context_head(mine.with_name("mine.onnx"), "m-1").model_version == "m-1"
    assert load_context_head(mine, "m-1") is None


def test_a_file_that_is_not_a_json_object_is_refused(tmp_path):
    (tmp_path / CONTEXT_FILE).write_text("[1, 2]")
    with pytest.raises(ModelLoadError, match="not a context model"):
        load_context_head(tmp_path / "model.onnx", "m-1")
