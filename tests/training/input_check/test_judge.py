"""Fitting and judging the input check on feature sets: what fits, what judges, and each
negative kind left out."""

from __future__ import annotations

import numpy as np
import pytest

from training.input_check.check_sets import CheckSets, MilkImages, PartedImages
from training.input_check.judge import (
    CLOSEUPS,
    NEGATIVE_KINDS,
    TILES,
    CheckFeatures,
    fit_check,
    judge,
    leave_one_kind_out,
)
from training.input_check.ood_data import KINDS, OodImages
from training.split import Split

F = 6  # features per image


def cluster(rng, centre: float, n: int) -> np.ndarray:
    """Return n feature rows around `centre` in every feature."""
    return rng.normal(centre, 1.0, (n, F))


@pytest.fixture(scope="module")
def made():
    """Dermoscopy around 0 (HAM10000, its device views, MILK10k, ISIC 2017), close-ups and tiles
    around 6, each other kind around 8 + 2 × its index; sets of one pixel per image (only the
    features matter)."""
    rng = np.random.default_rng(0)
    n_ham, n_milk, per_kind = 300, 60, 40
    labels = rng.integers(0, 7, n_ham)
    split = Split(np.arange(0, 200), np.arange(200, 250), np.arange(250, 300))
    kinds = np.repeat(np.array(KINDS), per_kind)
    milk_part = np.where(np.arange(n_milk) % 3 == 0, "val", "rest")
    pixel = np.zeros((1, 1, 1, 3), dtype=np.uint8)
    thirds = np.array(["train", "val", "test"] * 20)

    def milk(kind_labels):
        return MilkImages(np.repeat(pixel, n_milk, 0), kind_labels, np.arange(n_milk).astype(str),
                          milk_part)  # fmt: skip

    sets = CheckSets(
        ham=np.repeat(pixel, n_ham, 0),
        ham_labels=labels,
        split=split,
        ham_device=np.repeat(pixel[:, None], n_ham, 0).repeat(2, 1),
        test_shifts={"disc_85": np.repeat(pixel, 50, 0)},
        milk_dermoscopic=milk(rng.integers(0, 8, n_milk)),
        milk_closeups=milk(np.zeros(n_milk, dtype=int)),
        isic2017=PartedImages(np.repeat(pixel, 60, 0), rng.integers(0, 3, 60), thirds),
        tiles=PartedImages(np.repeat(pixel, 60, 0), np.full(60, -1), thirds),
        ood=OodImages(
            np.repeat(pixel, len(kinds), 0), kinds, np.arange(len(kinds)).astype(str), kinds
        ),
    )
    feats = CheckFeatures(
        ham=cluster(rng, 0, n_ham),
        ham_device=cluster(rng, 0, n_ham * 2).reshape(n_ham, 2, F),
        test_shifts={"disc_85": cluster(rng, 0, 50)},
        milk_dermoscopic=cluster(rng, 0, n_milk),
        milk_closeups=cluster(rng, 6, n_milk),
        isic2017=cluster(rng, 0, 60),
        tiles=cluster(rng, 6, 60),
        ood=np.concatenate([cluster(rng, 8 + 2 * i, per_kind) for i in range(len(KINDS))]),
    )
    rows = np.arange(len(kinds))
    return sets, feats, rows[rows % 2 == 0], rows[rows % 2 == 1]


def test_a_fitted_check_passes_dermoscopy_and_flags_the_other_kinds(made):
    sets, feats, fit_rows, held_rows = made
    figures = judge(fit_check(feats, sets, fit_rows), feats, sets, held_rows)
    assert figures["auroc"] > 0.99
    assert set(figures["dermoscopy_flagged"]) == {
        "ham_val", "ham_test", "ham_test_disc_85", "milk10k_val", "isic2017_val", "isic2017_test"
    }  # fmt: skip
    assert all(rate <= 0.1 for rate in figures["dermoscopy_flagged"].values())
    parts = {f"{TILES}_val", f"{TILES}_test"}
    assert set(figures["not_dermoscopy_flagged"]) == set(NEGATIVE_KINDS) - {TILES} | parts
    assert all(rate >= 0.95 for rate in figures["not_dermoscopy_flagged"].values())


def test_leave_one_kind_out_covers_the_closeups_too(made):
    sets, feats, fit_rows, _ = made
    left_out = leave_one_kind_out(feats, sets, fit_rows)
    assert set(left_out) == set(NEGATIVE_KINDS) and CLOSEUPS in left_out
    assert all(0.0 <= rate <= 1.0 for rate in left_out.values())


def test_the_closeups_of_the_validation_third_never_fit(made, monkeypatch):
    sets, feats, fit_rows, _ = made
    seen = []
    from training.input_check import judge as judge_module

    original = judge_module.CombinedScorer.fit

    def spy(self, positives, labels, negatives, calibration):
        seen.append(negatives)
        return original(self, positives, labels, negatives, calibration)

    monkeypatch.setattr(judge_module.CombinedScorer, "fit", spy)
    fit_check(feats, sets, fit_rows)
    val_rows = feats.milk_closeups[sets.milk_closeups.part == "val"]
    assert not any(np.isin(val_rows, seen[0]).all(axis=1))
    rest_rows = feats.milk_closeups[sets.milk_closeups.part == "rest"]
    assert np.isin(rest_rows, seen[0]).all(axis=1).all()
