"""The other sources of a high-resolution run: drawn so each weighs the same, corrected alike."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.colour_constancy import SHADES_OF_GRAY, corrected
from lesion_core.preprocess import preprocess
from training.arguments import parse
from training.highres.config import HighresConfig
from training.highres.sources import TrainingSet, other_sources, weighted_log_prior
from training.isic2017 import load_isic2017


def test_balanced_draws_give_each_source_the_same_share():
    ham = TrainingSet(np.zeros((90, 2, 1)), np.zeros(90, dtype=int), "ham10000")
    both = ham.joined(np.zeros((10, 2, 1)), np.ones(10, dtype=int), "isic2017")
    balanced = both.draw_weights(True)
    assert balanced[:90].sum() == pytest.approx(0.5) and balanced[90:].sum() == pytest.approx(0.5)
    assert both.draw_weights(False)[0] == pytest.approx(0.01)
    # The loss's prior is that of the images as drawn: half class 0, half class 1.
    prior = np.exp(weighted_log_prior(both.labels, balanced))
    assert prior[:2] == pytest.approx([0.5, 0.5], abs=1e-6)
    # Unbalanced, an epoch is every image once, as before sources could be balanced.
    rng = np.random.default_rng(0)
    assert list(both.epoch_rows(rng, False)) == list(range(100))
    drawn = both.epoch_rows(rng, True)
    assert len(drawn) == 100 and 35 <= np.sum(drawn >= 90) <= 65


def config(tmp_path, release_dir, *extra: str) -> HighresConfig:
    split = tmp_path / "split.csv"
    split.write_text("image_id,part\n")
    argv = ["--data", str(release_dir), "--out", str(tmp_path / "run"), "--split", str(split)]
    return parse(HighresConfig, [*argv, "--image-size", "64x48", *extra])


def test_isic2017_trains_on_its_train_third_and_validates_on_its_val_third(
    tmp_path, release_dir, isic2017_dir
):
    run = config(tmp_path, release_dir, "--isic2017", str(isic2017_dir))
    (train,), (val,) = other_sources(run, "train"), other_sources(run, "val")
    assert (train.source, len(train), len(val)) == ("isic2017", 6, 6)
    first = load_isic2017(isic2017_dir).subset("val").files[0]
    np.testing.assert_array_equal(val.images[0], preprocess(first, (64, 48)))


def test_colour_constancy_corrects_every_source_after_the_shared_preprocessing(
    tmp_path, release_dir, milk10k_dir, isic2017_dir
):
    argv = ["--milk10k", str(milk10k_dir), "--isic2017", str(isic2017_dir)]
    plain = other_sources(config(tmp_path, release_dir, *argv), "val")
    fixed = other_sources(config(tmp_path, release_dir, *argv, "--colour-constancy"), "val")
    assert [d.source for d in fixed] == ["milk10k", "isic2017"]
    for before, after in zip(plain, fixed, strict=True):
        np.testing.assert_array_equal(after.images, corrected(before.images, SHADES_OF_GRAY))


def test_an_isic2017_folder_without_labels_is_refused(tmp_path, release_dir, capsys):
    with pytest.raises(SystemExit):
        config(tmp_path, release_dir, "--isic2017", str(tmp_path))
    assert "--isic2017" in capsys.readouterr().err
