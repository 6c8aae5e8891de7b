"""Train a classifier on HAM10000 from the command line (settings: training.classifier.config).

    python -m training.classifier.train --data data/ham10000 --out runs/first --name my_cnn

The recipe itself is `training.classifier.recipe.train`; it is imported only after the arguments
parse, so `--help` and a bad argument answer at once, without loading TensorFlow.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from training.arguments import parse
from training.classifier.config import DESCRIPTION, TrainConfig, default_out
from training.classifier.summary import baseline_lines, figure_lines
from training.cli import removed_if_left_empty, setup_logging


def main(argv: list[str] | None = None) -> int:
    """Train from the command line, print the test figures against always `nv`; return the
    exit code."""
    config = parse(TrainConfig, argv, "python -m training.classifier.train", DESCRIPTION)
    config = replace(config, out=config.out or default_out(config), name=config.model_name)
    setup_logging()
    from training.classifier.recipe import train  # loads TensorFlow
    from training.classifier.warm_start import WarmStartError
    from training.dataset import DataError

    try:
        with removed_if_left_empty(config.out):
            train(config)
    except (DataError, FileExistsError, WarmStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = json.loads((config.out / "metrics.json").read_text())
    print(f"test part ({result['test']['n']} images):")
    print("\n".join(figure_lines(result["test"])))
    print("\n".join(baseline_lines(result["test"], result["baseline_always_nv"])))
    print(f"wrote {config.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
