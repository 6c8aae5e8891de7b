"""Train the lesion segmenter from the command line (settings: training.segmenter.config).

    python -m training.segmenter.train --data data/ham10000 --out runs/segmenter

The recipe itself is `training.segmenter.recipe.train_segmenter`, imported only after the
arguments parse; `python -m training.segmenter.evaluate` then scores the run on its test part.
"""

from __future__ import annotations

import sys

from training.arguments import parse
from training.cli import removed_if_left_empty, setup_logging
from training.segmenter.config import DESCRIPTION, SegmenterConfig


def main(argv: list[str] | None = None) -> int:
    """Train from the command line; return the exit code."""
    config = parse(SegmenterConfig, argv, "python -m training.segmenter.train", DESCRIPTION)
    setup_logging()
    from training.dataset import DataError
    from training.segmenter.recipe import train_segmenter  # loads TensorFlow

    try:
        with removed_if_left_empty(config.out):
            record = train_segmenter(config)
    except (DataError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"best epoch {record['best_epoch']} in {record['train_seconds'] / 60:.1f} min")
    print(f"wrote {config.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
