"""One loader for every kind of model file: its sidecar read and checked, its name and version."""

from __future__ import annotations

import pytest

from lesion_runtime.input_check import InputChecker
from lesion_runtime.model_file import ModelLoadError, load_model, read_sidecar
from lesion_runtime.predictor import Predictor
from tests.backend.onnx_models import colour_classifier


def test_a_missing_sidecar_reads_as_empty(tmp_path):
    assert read_sidecar(tmp_path / "model.onnx", "metrics.json") == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [('{"name": "x",', "not valid JSON"), ("[1, 2]", "JSON list, not an object")],
    ids=["truncated", "a list"],
)
def test_a_broken_sidecar_is_a_load_error_naming_the_file(tmp_path, text, says):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(ModelLoadError, match=says) as raised:
        read_sidecar(tmp_path / "model.onnx", "config.json")
    assert str(tmp_path / "config.json") in str(raised.value)


def test_a_classifier_with_a_broken_config_refuses_to_load(tmp_path):
    path = colour_classifier(tmp_path / "broken")
    (path.parent / "config.json").write_text("{oops")
    with pytest.raises(ModelLoadError, match=r"config\.json is not valid JSON"):
        Predictor(path)


def test_the_loader_names_and_versions_a_model(tmp_path):
    path = colour_classifier(tmp_path / "wide")
    model = load_model(path, threads=1)
    assert model.name == "wide" and model.version.startswith("wide-")
    assert model.config["name"] == "wide"


def test_a_classifier_is_not_an_input_check(tmp_path):
    path = colour_classifier(tmp_path / "wide")
    with pytest.raises(ModelLoadError, match="threshold"):
        InputChecker(path)
