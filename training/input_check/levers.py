"""What each change to the input check bought, judged on the same parts: the check shipped
before, then refits with the one per-source threshold (training.input_check.judge) that add ISIC
2017's dermoscopy, the total-body-photo tiles and the round-field photos to the fit in turn, with
both parts' thresholds starting at one share (EQUAL_RATES), and last the shipped recipe, whose
distance part starts at a quarter of the logistic part's share.

    python -m training.input_check.levers --data ../shared/data/ham10000 \
        --out runs/check-levers.json
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from training.arguments import option, parse
from training.cli import setup_logging
from training.input_check.check_sets import CheckSets, PartedImages
from training.input_check.judge import (
    CLOSEUPS,
    DISTANCE_FLAG_RATE,
    FLAG_RATE,
    TILES,
    CheckFeatures,
    as_rows,
    check_features,
    fit_check,
    judge,
)
from training.input_check.ood_data import KINDS, ROUND_FIELD
from training.input_check.study import CheckDataSettings, ExportedCheck, ood_halves

# The table's columns: (heading, section of judge's figures, key).
DERMOSCOPY = "dermoscopy_flagged"
OTHER = "not_dermoscopy_flagged"
COLUMNS = (
    ("HAM10000 val", DERMOSCOPY, "ham_val"),
    ("MILK10k val", DERMOSCOPY, "milk10k_val"),
    ("ISIC 2017 val", DERMOSCOPY, "isic2017_val"),
    ("HAM10000 test", DERMOSCOPY, "ham_test"),
    ("ISIC 2017 test", DERMOSCOPY, "isic2017_test"),
    ("tiles val", OTHER, f"{TILES}_val"),
    ("tiles test", OTHER, f"{TILES}_test"),
    ("close-ups val", OTHER, CLOSEUPS),
    *((kind, OTHER, kind) for kind in KINDS),
)

EQUAL_RATES = (0.008, 0.008)  # the shares both parts' thresholds started at before

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class LeverSettings(CheckDataSettings):
    """Command-line settings of `python -m training.input_check.levers`."""

    shipped: Path = option(
        Path("models/input_check/model.onnx"), "an exported check to judge first (the one before)"
    )
    out: Path | None = option(None, "write the figures here (JSON)")


def unfitted(images: PartedImages) -> PartedImages:
    """Return the images with their "train" part renamed, so that no fit uses them."""
    return replace(images, part=np.where(images.part == "train", "unused", images.part))


def refits(
    feats: CheckFeatures, sets: CheckSets, fit_rows: np.ndarray, held_rows: np.ndarray
) -> dict[str, dict]:
    """Return {step: judge's figures} of the check refitted with each new set added in turn."""
    no_round = fit_rows[sets.ood.kinds[fit_rows] != ROUND_FIELD]
    no_tiles = replace(sets, tiles=unfitted(sets.tiles))
    no_new_sets = replace(no_tiles, isic2017=unfitted(sets.isic2017))
    steps = {
        "refit, one threshold for all sources": (no_new_sets, no_round, EQUAL_RATES),
        "+ ISIC 2017 dermoscopy": (no_tiles, no_round, EQUAL_RATES),
        "+ total-body-photo tiles": (sets, no_round, EQUAL_RATES),
        "+ round-field photos": (sets, fit_rows, EQUAL_RATES),
        f"+ parts start at {FLAG_RATE:.1%} / {DISTANCE_FLAG_RATE:.1%} (built)": (
            sets,
            fit_rows,
            (FLAG_RATE, DISTANCE_FLAG_RATE),
        ),
    }
    return {
        name: judge(fit_check(feats, chosen, rows, flag_rates=rates), feats, chosen, held_rows)
        for name, (chosen, rows, rates) in steps.items()
    }


def table(results: dict[str, dict]) -> str:
    """Return the flagged shares of each step as a Markdown table, in %."""
    lines = ["| step | " + " | ".join(heading for heading, _, _ in COLUMNS) + " |"]
    lines.append("|---" * (len(COLUMNS) + 1) + "|")
    for name, figures in results.items():
        cells = [f"{100 * figures[section][key]:.1f} %" for _, section, key in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print and save the table of what each change bought."""
    args = parse(
        LeverSettings, argv, "python -m training.input_check.levers", __doc__.split("\n\n")[0]
    )
    setup_logging()
    sets = args.load(64)
    fit_rows, held_rows = ood_halves(sets.ood)
    results = {"shipped before": judge(ExportedCheck(args.shipped), as_rows(sets), sets, held_rows)}
    results.update(refits(check_features(sets), sets, fit_rows, held_rows))
    print(table(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
