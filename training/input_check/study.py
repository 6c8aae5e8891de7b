"""Measure input-check candidates before choosing one: features × scorer, held out and left out.

    python -m training.input_check.study --data ../shared/data/ham10000 --ood ../shared/data/ood

Dermoscopy: HAM10000 through the shipped classifiers' lesion-grouped split (fit on train, pick the
threshold on val, report on test). Non-dermoscopic images: each kind split in half by group
(clinical photos by condition), fit on one half, report on the other. The threshold flags 1 % of
the validation dermoscopy. Leave-one-kind-out refits without a kind and reports on all of it.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

from training.cli import (
    SettingsError,
    cache_option,
    check_data,
    data_option,
    option,
    parse,
    setup_logging,
)
from training.data import cached, load_dataset
from training.input_check.features import (
    CHECK_DECODER,
    CHECK_SIZE,
    colour_features,
    imagenet_features,
)
from training.input_check.ood_data import KINDS, OodImages, load_ood
from training.input_check.scores import CombinedScorer, LogisticScorer, MahalanobisScorer
from training.split import load_split

VAL_FLAG_RATE = 0.01
COMBINED_THRESHOLD = 0.5  # CombinedScorer puts each part's own threshold there
SPLIT = Path("models/resnet_small_2x/split.csv")
WATERMARK_BOX = (0.0, 0.55, 0.5, 1.0)  # left, top, right, bottom as fractions: DermNet's logo

log = logging.getLogger(__name__)


def ood_halves(ood: OodImages, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (fit, held-out) row indices: half of each kind, whole groups on one side."""
    fit, held = [], []
    for kind in KINDS:
        rows = np.flatnonzero(ood.kinds == kind)
        splitter = GroupShuffleSplit(n_splits=1, test_size=0.5, random_state=seed)
        a, b = next(splitter.split(rows, groups=ood.groups[rows]))
        fit.append(rows[a])
        held.append(rows[b])
    return np.concatenate(fit), np.concatenate(held)


def blur_watermark(image: np.ndarray) -> np.ndarray:
    """Return the image with DermNet's logo corner blurred beyond reading."""
    pil = Image.fromarray(image)
    w, h = pil.size
    box = tuple(round(f * s) for f, s in zip(WATERMARK_BOX, (w, h, w, h), strict=True))
    pil.paste(pil.crop(box).filter(ImageFilter.GaussianBlur(radius=max(w, h) / 16)), box[:2])
    return np.asarray(pil)


def rates(scores: np.ndarray, threshold: float) -> float:
    """Return the fraction of scores below the threshold (flagged as not dermoscopic)."""
    return float(np.mean(scores < threshold))


def evaluate(
    name: str,
    feats: dict[str, np.ndarray],
    ham_labels: np.ndarray,
    split,
    ood: OodImages,
    fit_rows: np.ndarray,
    held_rows: np.ndarray,
) -> dict:
    """Return the figures of one candidate (feature set + scorer): AUROC, flag rates, LOKO."""
    features_name, scorer_name = name.split("+")
    ham, other, watermark_free = feats[features_name], feats[f"{features_name}_ood"], None
    watermark_free = feats.get(f"{features_name}_ood_blurred")

    def fitted(exclude: str | None):
        keep = fit_rows if exclude is None else fit_rows[ood.kinds[fit_rows] != exclude]
        if scorer_name == "mahalanobis":
            return MahalanobisScorer().fit(ham[split.train], ham_labels[split.train])
        if scorer_name == "combined":
            return CombinedScorer().fit(
                ham[split.train], ham_labels[split.train], other[keep], ham[split.val]
            )
        return LogisticScorer().fit(ham[split.train], other[keep])

    def threshold_of(scorer) -> float:
        if isinstance(scorer, CombinedScorer):
            return COMBINED_THRESHOLD
        return float(np.quantile(scorer.score(ham[split.val]), VAL_FLAG_RATE))

    scorer = fitted(None)
    threshold = threshold_of(scorer)
    test_scores = scorer.score(ham[split.test])
    held_scores = scorer.score(other[held_rows])
    auroc = roc_auc_score(
        np.r_[np.ones(len(test_scores)), np.zeros(len(held_scores))],
        np.r_[test_scores, held_scores],
    )
    result = {
        "auroc": float(auroc),
        "threshold": threshold,
        "ham_val_flagged": rates(scorer.score(ham[split.val]), threshold),
        "ham_test_flagged": rates(test_scores, threshold),
        "held_out_flagged": {
            kind: rates(held_scores[ood.kinds[held_rows] == kind], threshold) for kind in KINDS
        },
    }
    if watermark_free is not None:
        clinical = held_rows[ood.kinds[held_rows] == "clinical_skin"]
        result["clinical_watermark_blurred_flagged"] = rates(
            scorer.score(watermark_free[clinical]), threshold
        )
    loko = {}
    for kind in KINDS:
        left_out = fitted(kind)
        loko[kind] = rates(left_out.score(other[ood.kinds == kind]), threshold_of(left_out))
    result["leave_one_kind_out_flagged"] = loko
    return result


def study_features(dataset, ood: OodImages, cache_dir: Path | None) -> dict[str, np.ndarray]:
    """Return the ImageNet and colour features of HAM10000 (`lite0`, `colour`), the
    non-dermoscopic images (`…_ood`) and those with the clinical photos' logo blurred
    (`…_ood_blurred`); cached, so the study and the build compute them once."""

    def compute() -> dict[str, np.ndarray]:
        blurred = np.stack([blur_watermark(i) if k == "clinical_skin" else i
                            for i, k in zip(ood.images, ood.kinds, strict=True)])  # fmt: skip
        return {
            **imagenet_features(
                {"lite0": dataset.images, "lite0_ood": ood.images, "lite0_ood_blurred": blurred}
            ),
            "colour": colour_features(dataset.images),
            "colour_ood": colour_features(ood.images),
            "colour_ood_blurred": colour_features(blurred),
        }

    cache = None
    if cache_dir is not None:
        views = CHECK_DECODER.id.replace("/", "-")  # new views, new features
        cache = cache_dir / f"input-check-stats-{views}-{len(dataset)}-{len(ood.kinds)}.npz"
    return cached(cache, compute)


@dataclass(frozen=True, kw_only=True)
class CheckDataSettings:
    """The data every input-check CLI reads: HAM10000 and the non-dermoscopic images."""

    data: Path = data_option()
    ood: Path = option(Path("../shared/data/ood"), "the non-dermoscopic images (shared/data/ood)")
    cache_dir: Path = cache_option()

    def check(self) -> None:
        """Raise SettingsError when a data folder is missing."""
        check_data(self.data, folder_only=True)
        if not (self.ood / "index.csv").is_file():
            raise SettingsError(f"--ood {self.ood}: no index.csv; point it at shared/data/ood")


@dataclass(frozen=True, kw_only=True)
class StudySettings(CheckDataSettings):
    """Command-line settings of `python -m training.input_check.study`."""

    out: Path | None = option(None, "write the figures here (JSON)")


def main(argv: list[str] | None = None) -> int:
    """Print and save the candidates' figures."""
    args = parse(
        StudySettings, argv, "python -m training.input_check.study", __doc__.split("\n\n")[0]
    )
    setup_logging()

    dataset = load_dataset(args.data, CHECK_SIZE, args.cache_dir, CHECK_DECODER)
    split = load_split(dataset, SPLIT)
    ood = load_ood(args.ood, CHECK_SIZE)
    feats = study_features(dataset, ood, args.cache_dir)
    fit_rows, held_rows = ood_halves(ood)
    results = {}
    candidates = ("lite0+mahalanobis", "lite0+logistic", "lite0+combined", "colour+mahalanobis",
                  "colour+logistic", "colour+combined")  # fmt: skip
    for name in candidates:
        results[name] = evaluate(name, feats, dataset.labels, split, ood, fit_rows, held_rows)
        log.info("%s: %s", name, json.dumps(results[name]))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
