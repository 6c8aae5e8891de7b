"""The robustness table of a classifier's card, rendered from its metrics.json (written by
`make evaluate ... ARGS=--robustness`), so that the card cannot drift from the measurement.

    python -m training.reports.robustness models/resnet_small_2x   # prints the table
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from training.arguments import SettingsError, option, parse

# Columns: the view's key in metrics.json, and its heading.
SHIFTS = {
    "original": "as taken",
    "disc_100": "disc 100 %",
    "disc_85": "disc 85 %",
    "rotate_45": "45° rotation",
    "colour_cast": "colour cast",
    "darker_30": "30 % darker",
    "jpeg_40": "JPEG q40",
}
ROWS = {"test": "HAM10000 test part", "val": "MILK10k dermoscopic, validation third",
        "rest": "MILK10k dermoscopic, other two thirds"}  # fmt: skip


def robustness_table(metrics: dict) -> str:
    """Return the markdown table of balanced accuracy per device shift (and its drop on the
    test part), from a metrics.json with a `robustness` section; "" without one."""
    robustness = metrics.get("robustness")
    if not robustness or "device_drop" not in robustness:
        return ""
    header = "| balanced accuracy | images | " + " | ".join(SHIFTS.values()) + " |"
    lines = [header, "|---|---|" + "---|" * len(SHIFTS)]
    scores = robustness["balanced_accuracy"]
    lines.append(_row(ROWS["test"], robustness["n"], scores))
    drops = [f"{scores['original'] - scores[k]:+.3f}" for k in list(SHIFTS)[1:]]
    lines.append("| drop on the test part | | | " + " | ".join(drops) + " |")
    for part, figures in robustness.get("milk10k", {}).items():
        lines.append(_row(ROWS[part], figures["n"], figures["balanced_accuracy"]))
    return "\n".join(lines) + "\n"


def _row(name: str, n: int, scores: dict) -> str:
    """Return one table row of balanced accuracies."""
    return f"| {name} | {n:,} | " + " | ".join(f"{scores[k]:.3f}" for k in SHIFTS) + " |"


@dataclass(frozen=True, kw_only=True)
class TableArgs:
    """Command-line settings of `python -m training.reports.robustness`."""

    folder: Path = option(help="a model folder with metrics.json", positional=True)

    def check(self) -> None:
        """Raise SettingsError when the folder has no metrics.json."""
        if not (self.folder / "metrics.json").is_file():
            raise SettingsError(f"{self.folder / 'metrics.json'} is missing")


def main(argv: list[str] | None = None) -> int:
    """Print the robustness table; return 1 when metrics.json has none."""
    args = parse(TableArgs, argv, "python -m training.reports.robustness", __doc__)
    table = robustness_table(json.loads((args.folder / "metrics.json").read_text()))
    if not table:
        print(f"{args.folder}/metrics.json has no device robustness; run make evaluate "
              "... ARGS=--robustness", file=sys.stderr)  # fmt: skip
        return 1
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
