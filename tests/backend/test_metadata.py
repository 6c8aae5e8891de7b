"""What /metadata says about the model file, whatever form MODEL_PATH took."""

from __future__ import annotations

from pathlib import Path

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
    from backend.predictor import Predictor
    from backend.settings import Settings

    monkeypatch.chdir(REPO_ROOT)
    settings = Settings(model_path=PAPER, segmenter_path=None)
    client = create_app(settings, Predictor(PAPER)).test_client()
    assert client.get("/metadata").json["model"]["file"] == "models/paper_cnn/model.onnx"
