"""Which model file `--model` names."""

from __future__ import annotations

import pytest

from lesion_cli.errors import CliError
from lesion_cli.models import default_model, model_path, shipped_models
from lesion_runtime.shipped import DEFAULT_MODEL_PATH
from tests.servers import REPO_ROOT


def test_the_shipped_classifiers_are_found_the_services_default_first():
    shipped = shipped_models()
    assert list(shipped) == [
        "ensemble",
        "resnet_small_2x",
        "paper_cnn",
        "efficientnet_lite0",
        "efficientnet_lite1",
    ]
    assert shipped["paper_cnn"] == REPO_ROOT / "models" / "paper_cnn" / "model.onnx"
    assert default_model() == "ensemble" and model_path(None) == DEFAULT_MODEL_PATH


def test_a_name_or_a_path_picks_the_file(tmp_path):
    assert model_path("paper_cnn") == REPO_ROOT / "models" / "paper_cnn" / "model.onnx"
    own = tmp_path / "own.onnx"
    own.write_bytes(b"x")
    assert model_path(str(own)) == own


def test_an_unknown_name_lists_the_shipped_ones():
    with pytest.raises(
        CliError, match="use one of ensemble, resnet_small_2x, paper_cnn, efficientnet_lite0"
    ):
        model_path("resnet")
