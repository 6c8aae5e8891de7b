"""The lesion-grouped split and oversampling of the training part only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.training.conftest import write_hmnist
from training.data import load_dataset
from training.dataset import DataError
from training.split import (
    class_weights,
    load_split,
    make_split,
    oversample,
    save_split,
    split_of,
)


@pytest.fixture()
def data(release_dir):
    return load_dataset(release_dir)


def test_no_lesion_sits_on_two_sides(data):
    split = make_split(data, seed=3)
    parts = [set(data.lesion_ids[split.part(p)]) for p in ("train", "val", "test")]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]


def test_split_covers_every_row_once(data):
    split = make_split(data)
    rows = np.concatenate([split.train, split.val, split.test])
    assert sorted(rows.tolist()) == list(range(len(data)))


def test_split_is_about_64_16_20(data):
    split = make_split(data)
    assert 10 <= len(split.test) <= 18 and 8 <= len(split.val) <= 16


def test_split_is_seeded(data):
    a, b, c = make_split(data, seed=1), make_split(data, seed=1), make_split(data, seed=2)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)


def test_split_without_lesion_ids_falls_back_to_images(tmp_path, caplog):
    split = make_split(load_dataset(write_hmnist(tmp_path / "h.csv", rows_per_class=10)))
    assert len(split.train) + len(split.val) + len(split.test) == 70
    assert "splitting by image" in caplog.text


def test_oversampling_balances_using_only_training_rows(data):
    split = make_split(data)
    train = split.train[data.labels[split.train] != 0][:20]  # make the train part imbalanced
    train = np.concatenate([train, split.train[data.labels[split.train] == 0][:2]])
    resampled = oversample(train, data.labels)
    assert set(resampled.tolist()) == set(train.tolist())
    counts = np.bincount(data.labels[resampled], minlength=7)
    assert len(set(counts[counts > 0].tolist())) == 1


def test_saved_split_loads_back_identically(data, tmp_path):
    split = make_split(data)
    save_split(data, split, tmp_path / "split.csv")
    again = load_split(data, tmp_path / "split.csv")
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(np.sort(split.part(part)), np.sort(again.part(part)))


def test_split_naming_unknown_images_is_refused(data, tmp_path):
    split = make_split(data)
    save_split(data, split, tmp_path / "split.csv")
    with pytest.raises(DataError, match="not in data"):
        load_split(data.subset(np.arange(10)), tmp_path / "split.csv")


def test_a_run_s_split_is_the_one_beside_its_model(tmp_path):
    (tmp_path / "split.csv").write_text("image_id,part\n")
    (tmp_path / "config.json").write_text('{"split_file": "../shared.csv"}')
    assert split_of(tmp_path / "model.onnx") == tmp_path / "split.csv"


def test_a_model_without_one_beside_it_uses_the_split_its_config_names(tmp_path):
    (tmp_path / "lite").mkdir()
    (tmp_path / "lite" / "config.json").write_text('{"split_file": "../shared.csv"}')
    assert split_of(tmp_path / "lite" / "model.onnx") == tmp_path / "shared.csv"
    assert split_of(tmp_path / "none" / "model.onnx") is None


SHIPPED = Path(__file__).resolve().parents[2] / "models"
SHARING = ["paper_cnn", "resnet_small_2x", "efficientnet_lite0", "efficientnet_lite1", "ensemble",
           "ensemble_int8"]  # fmt: skip


@pytest.mark.parametrize("name", SHARING)
def test_the_shipped_classifiers_share_one_split_file(name):
    assert not (SHIPPED / name / "split.csv").exists()
    assert split_of(SHIPPED / name / "model.onnx") == SHIPPED / "ham10000_split.csv"
    assert (SHIPPED / "ham10000_split.csv").read_text().startswith("image_id,lesion_id,part\n")


def test_class_weights_are_inverse_frequency_and_average_one():
    labels = np.array([0] * 6 + [1] * 3 + [2] * 1)
    weights = class_weights(labels, num_classes=4)
    assert weights[0] == pytest.approx(10 / 18)
    assert weights[2] == pytest.approx(10 / 3)
    assert weights[0] * 6 == pytest.approx(weights[1] * 3) == pytest.approx(weights[2] * 1)
    assert np.mean([weights[int(c)] for c in labels]) == pytest.approx(1.0)


def test_class_weights_give_absent_classes_weight_one():
    weights = class_weights(np.array([0, 0, 1]), num_classes=7)
    assert sorted(weights) == list(range(7))
    assert weights[6] == 1.0


def test_the_splits_the_training_clis_default_to_are_shipped():
    from training.highres.config import DEFAULT_SPLIT
    from training.input_check.study import SPLIT

    repo = SHIPPED.parent
    assert (repo / DEFAULT_SPLIT).is_file() and (repo / SPLIT).is_file()
