"""What /metadata says: the model file, whatever form MODEL_PATH took, and the model asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.metadata import model_file
from backend.settings import REPO_ROOT

PAPER = Path("models") / "paper_cnn" / "model.onnx"


def test_a_repository_relative_and_an_absolute_path_give_the_same_file(monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    assert model_file(PAPER) == model_file(REPO_ROOT / PAPER) == "models/paper_cnn/model.onnx"


def test_a_path_from_another_folder_still_gives_the_repository_path(monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT / "models")
    assert model_file(Path("paper_cnn") / "model.onnx") == "models/paper_cnn/model.onnx"


def test_a_model_outside_the_repository_is_named_by_its_file_only(tmp_path) -> None:
    assert model_file(tmp_path / "mine.onnx") == "mine.onnx"


def test_metadata_names_a_model_chosen_by_a_relative_path_by_its_repository_path(
    monkeypatch,
) -> None:
    from backend.app import create_app
    from backend.settings import Settings
    from lesion_runtime.predictor import Predictor

    monkeypatch.chdir(REPO_ROOT)
    settings = Settings(model_path=PAPER, segmenter_path=None)
    client = create_app(settings, Predictor(PAPER)).test_client()
    assert client.get("/metadata").json["model"]["file"] == "models/paper_cnn/model.onnx"


@pytest.fixture(scope="module")
def two_models_client(predictor):
    """Flask's test client for a service with the default classifier and the paper's CNN."""
    from backend.app import create_app
    from backend.settings import Settings
    from lesion_runtime.predictor import Predictor

    settings = Settings(model_path=REPO_ROOT / PAPER, segmenter_path=None)
    return create_app(settings, [predictor, Predictor(REPO_ROOT / PAPER)]).test_client()


def test_metadata_describes_the_model_a_query_names(two_models_client) -> None:
    default = two_models_client.get("/metadata").json
    paper = two_models_client.get("/metadata?model=paper_cnn").json
    assert default["model"]["name"] == "resnet_small_2x" and paper["model"]["name"] == "paper_cnn"
    assert paper["model"]["file"] == "models/paper_cnn/model.onnx"
    assert paper["metrics"] != default["metrics"]
    assert [m["name"] for m in paper["models"]] == ["resnet_small_2x", "paper_cnn"]


def test_metadata_of_an_unknown_model_is_the_404_that_lists_the_served_ones(
    two_models_client,
) -> None:
    response = two_models_client.get("/metadata?model=bogus")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_model"
    assert "'bogus'" in response.json["error"]["message"]
    assert "resnet_small_2x, paper_cnn" in response.json["error"]["message"]


def test_metadata_refuses_a_parameter_it_does_not_take(two_models_client) -> None:
    response = two_models_client.get("/metadata?modle=paper_cnn")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_parameter"
    assert "it takes model (query parameters)" in response.json["error"]["message"]
