"""int8 quantisation of a served classifier: calibration drawn from every class of the training
part, an int8 file that answers like the float one, kept only within --max-drop, and its name as
an ensemble member."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from lesion_runtime.predictor import Predictor
from tests.backend.onnx_models import colour_classifier
from tests.training.conftest import write_release
from training import quantize
from training.data import load_dataset
from training.dataset import Dataset
from training.split import make_split, save_split

HEIGHT, WIDTH = 30, 32  # one block of the colour classifier


def images(count: int, seed: int = 0) -> np.ndarray:
    """Return `count` random uint8 images of the colour classifier's size."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, HEIGHT, WIDTH, 3), dtype=np.uint8)


def test_calibration_takes_at_most_per_class_images_of_every_class() -> None:
    labels = np.array([0] * 50 + [1] * 3 + [5] * 20)
    rows = np.arange(len(labels), dtype=np.uint8)[:, None, None, None]  # each image its row
    train = Dataset(rows, labels, labels.astype(str), None, "test")
    chosen = quantize.calibration_images(train, per_class=5)[:, 0, 0, 0]
    counts = np.bincount(labels[chosen], minlength=7)
    assert counts.tolist() == [5, 3, 0, 0, 0, 5, 0], "every class present, none over 5"
    again = quantize.calibration_images(train, per_class=5)[:, 0, 0, 0]
    assert chosen.tolist() == again.tolist(), "seeded"


def test_the_int8_file_answers_like_the_float_one_with_every_output(tmp_path: Path) -> None:
    source = colour_classifier(tmp_path / "colour", HEIGHT, WIDTH)
    out = tmp_path / "colour" / quantize.QUANTIZED_NAME
    quantize.quantize(source, out, images(64))
    model = onnx.load(out)
    assert {n.op_type for n in model.graph.node} >= {"QuantizeLinear", "DequantizeLinear"}
    assert [o.name for o in model.graph.output] == [
        o.name for o in onnx.load(source).graph.output
    ], "the heat-map's activations stay an output"
    unseen = images(32, seed=1)
    expected = Predictor(source).predict([unseen])
    got = Predictor(out).predict([unseen])
    assert np.abs(got - expected).max() < 0.02
    assert not np.array_equal(got, expected), "the int8 file computes in int8"


def test_an_ensemble_names_a_quantised_member_after_its_model(tmp_path: Path) -> None:
    source = colour_classifier(tmp_path / "lite", HEIGHT, WIDTH, name="lite")
    assert quantize.member_name(source) == "lite"
    assert quantize.member_name(source.parent / quantize.QUANTIZED_NAME) == "lite_int8"


@pytest.fixture
def model_with_split(tmp_path: Path) -> tuple[Path, Path]:
    """A colour classifier beside a lesion-grouped split of a tiny release folder."""
    data = write_release(tmp_path / "release")
    model = colour_classifier(tmp_path / "model", HEIGHT, WIDTH, name="colour")
    dataset = load_dataset(data, (WIDTH, HEIGHT))
    save_split(dataset, make_split(dataset), model.parent / "split.csv")
    return model, data


def test_main_keeps_the_int8_file_and_records_both_validation_rows(model_with_split, capsys):
    model, data = model_with_split
    args = ["--model", str(model), "--data", str(data), "--per-class", "4", "--max-drop", "1"]
    assert quantize.main(args) == 0
    assert (model.parent / quantize.QUANTIZED_NAME).is_file()
    record = json.loads((model.parent / quantize.RECORD_NAME).read_text())
    assert record["kept"] and record["int8"].startswith("colour_int8-")
    assert record["calibration"].startswith("28 images")  # 4 of each of the 7 classes
    rows = record["validation"]
    assert set(rows["float32"]) == set(rows["int8"]) >= {"balanced_accuracy", "macro_auc"}
    drop = rows["float32"]["balanced_accuracy"] - rows["int8"]["balanced_accuracy"]
    assert rows["balanced_accuracy_drop"] == pytest.approx(drop, abs=1e-4)
    assert "saved" in capsys.readouterr().out


def test_main_drops_an_int8_file_that_loses_more_than_max_drop(
    model_with_split, monkeypatch, capsys
):
    model, data = model_with_split
    scores = iter([{"balanced_accuracy": 0.70}, {"balanced_accuracy": 0.65}])
    monkeypatch.setattr(quantize, "figures", lambda path, part: next(scores))
    assert quantize.main(["--model", str(model), "--data", str(data)]) == 1
    assert not (model.parent / quantize.QUANTIZED_NAME).exists()
    assert not json.loads((model.parent / quantize.RECORD_NAME).read_text())["kept"]
    assert "drops 0.0500 > 0.01" in capsys.readouterr().err


def test_main_refuses_a_model_without_its_split(tmp_path: Path, capsys) -> None:
    model = colour_classifier(tmp_path / "model", HEIGHT, WIDTH)
    with pytest.raises(SystemExit) as stopped:
        quantize.main(["--model", str(model), "--data", str(tmp_path)])
    assert stopped.value.code == 2
    assert "no split.csv beside it, nor a split_file" in capsys.readouterr().err
