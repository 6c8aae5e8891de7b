"""Measure input-check candidates before choosing one: the check's input size, each judged on
the held-out parts and with each kind of non-dermoscopic image left out of the fit
(training.input_check.judge says what fits and what judges).

    python -m training.input_check.study --data ../shared/data/ham10000 \
        --milk10k ../shared/data/milk10k --ood ../shared/data/ood --out runs/check-study.json
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from sklearn.model_selection import GroupShuffleSplit

from lesion_core.size import Size, SizeLike
from training.arguments import SettingsError, option, parse
from training.cli import cache_option, check_data, data_option, setup_logging
from training.input_check.check_sets import CheckSets, load_check_sets
from training.input_check.judge import (
    as_rows,
    check_features,
    fit_check,
    judge,
    leave_one_kind_out,
)
from training.input_check.ood_data import KINDS, ROUND_FIELD, OodImages

SPLIT = Path("models/ham10000_split.csv")
WATERMARK_BOX = (0.0, 0.55, 0.5, 1.0)  # left, top, right, bottom as fractions: DermNet's logo
# Input sizes measured: the square the check has had, a larger square, and the 4:3 view that
# the shared decode gives anyway (the segmenter's input, the quality warnings' copy).
CANDIDATE_SIZES: tuple[SizeLike, ...] = (64, 96, (128, 96))

log = logging.getLogger(__name__)


def ood_halves(ood: OodImages, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (fit, held-out) row indices: half of each kind, whole groups on one side (a
    round-field image on its source's side)."""
    fit, held = [], []
    for kind in KINDS:
        if kind == ROUND_FIELD:
            continue
        rows = np.flatnonzero(ood.kinds == kind)
        splitter = GroupShuffleSplit(n_splits=1, test_size=0.5, random_state=seed)
        a, b = next(splitter.split(rows, groups=ood.groups[rows]))
        fit.append(rows[a])
        held.append(rows[b])
    fit, held = np.concatenate(fit), np.concatenate(held)
    derived = np.flatnonzero(ood.kinds == ROUND_FIELD)
    fitted = np.isin(ood.groups[derived], ood.groups[fit])
    return np.r_[fit, derived[fitted]], np.r_[held, derived[~fitted]]


def blur_watermark(image: np.ndarray) -> np.ndarray:
    """Return the image with DermNet's logo corner blurred beyond reading."""
    pil = Image.fromarray(image)
    w, h = pil.size
    box = tuple(round(f * s) for f, s in zip(WATERMARK_BOX, (w, h, w, h), strict=True))
    pil.paste(pil.crop(box).filter(ImageFilter.GaussianBlur(radius=max(w, h) / 16)), box[:2])
    return np.asarray(pil)


@dataclass(frozen=True, kw_only=True)
class CheckDataSettings:
    """The data every input-check CLI reads: HAM10000, MILK10k, ISIC 2017, the total-body-photo
    tiles and the non-dermoscopic images."""

    data: Path = data_option()
    milk10k: Path = option(
        Path("../shared/data/milk10k"), "MILK10k (its dermoscopy and camera close-ups)"
    )
    isic2017: Path = option(Path("../shared/data/isic2017"), "ISIC 2017's dermoscopy")
    tiles: Path = option(
        Path("../shared/data/isic2024_tbp"), "ISIC 2024's total-body-photo tiles (not dermoscopy)"
    )
    ood: Path = option(Path("../shared/data/ood"), "the non-dermoscopic images (shared/data/ood)")
    cache_dir: Path = cache_option()

    def check(self) -> None:
        """Raise SettingsError when a data folder is missing."""
        check_data(self.data, folder_only=True)
        if not (self.ood / "index.csv").is_file():
            raise SettingsError(f"--ood {self.ood}: no index.csv; point it at shared/data/ood")
        if not (self.milk10k / "metadata.csv").is_file():
            raise SettingsError(
                f"--milk10k {self.milk10k}: no metadata.csv; point it at shared/data/milk10k"
            )
        if not (self.isic2017 / "labels.csv").is_file():
            raise SettingsError(
                f"--isic2017 {self.isic2017}: no labels.csv; point it at shared/data/isic2017"
            )
        if not (self.tiles / "images").is_dir():
            raise SettingsError(
                f"--tiles {self.tiles}: no images/ folder; point it at shared/data/isic2024_tbp"
            )

    def load(self, size: SizeLike) -> CheckSets:
        """Return the check's image sets at `size` (training.input_check.check_sets)."""
        return load_check_sets(self.data, self.milk10k, self.ood, SPLIT, size, self.cache_dir,
                               isic2017_folder=self.isic2017, tiles_folder=self.tiles)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class StudySettings(CheckDataSettings):
    """Command-line settings of `python -m training.input_check.study`."""

    out: Path | None = option(None, "write the figures here (JSON)")
    shipped: Path | None = option(
        Path("models/input_check/model.onnx"),
        "an exported 64×64 check to judge first on the same parts ('none': skip)",
    )


def study_size(args: CheckDataSettings, size: SizeLike) -> dict:
    """Return the held-out figures and the leave-one-kind-out figures of a check at `size`."""
    sets = args.load(size)
    feats = check_features(sets)
    fit_rows, held_rows = ood_halves(sets.ood)
    scorer = fit_check(feats, sets, fit_rows)
    return {
        **judge(scorer, feats, sets, held_rows),
        "leave_one_kind_out_flagged": leave_one_kind_out(feats, sets, fit_rows),
    }


@dataclass(frozen=True)
class ExportedCheck:
    """An exported input check (model.onnx), scoring images."""

    path: Path

    def score(self, images: np.ndarray) -> np.ndarray:
        """Return the (N,) dermoscopic scores of (N, H, W, 3) uint8 images."""
        from training.highres.features import onnx_session, run_batched

        return run_batched(onnx_session(self.path), images)[:, 0]


def study_shipped(args: CheckDataSettings, path: Path) -> dict:
    """Return the held-out figures of the check shipped at `path` (64×64), before refitting."""
    sets = args.load(64)
    _, held_rows = ood_halves(sets.ood)
    return judge(ExportedCheck(path), as_rows(sets), sets, held_rows)


def main(argv: list[str] | None = None) -> int:
    """Print and save the candidates' figures."""
    args = parse(
        StudySettings, argv, "python -m training.input_check.study", __doc__.split("\n\n")[0]
    )
    setup_logging()
    results = {}
    if args.shipped is not None and str(args.shipped) != "none":
        results["shipped"] = study_shipped(args, args.shipped)
        log.info("shipped: %s", json.dumps(results["shipped"]))
    for size in CANDIDATE_SIZES:
        name = str(Size.of(size))
        results[name] = study_size(args, size)
        log.info("%s: %s", name, json.dumps(results[name]))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
