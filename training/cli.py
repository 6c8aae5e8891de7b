"""What the training CLIs share: where the data and the decoded-image cache are by default,
and the settings every training run has."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_DATA = Path(os.environ.get("HAM10000_DIR", "data/ham10000"))
DEFAULT_CACHE = Path(os.environ.get("LESION_CACHE_DIR", ".cache"))


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --data (release folder or HMNIST CSV) and --cache-dir to `parser`."""
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="release folder (metadata CSV + images) or HMNIST CSV "
        "(default: $HAM10000_DIR or %(default)s)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where decoded images are cached (default: $LESION_CACHE_DIR or %(default)s)",
    )


def add_run_arguments(
    parser: argparse.ArgumentParser,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    test_fraction: float,
    val_fraction: float,
    seed: int,
) -> None:
    """Add the settings every training run has, with the recipe's values as defaults."""
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--test-fraction", type=float, default=test_fraction)
    parser.add_argument("--val-fraction", type=float, default=val_fraction)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--overwrite", action="store_true", help="allow a non-empty --out")


def check_run_arguments(parser: argparse.ArgumentParser, ns: argparse.Namespace) -> None:
    """Exit with a usage message when a setting of `add_run_arguments` is out of range."""
    if ns.epochs < 1 or ns.batch_size < 1:
        parser.error("--epochs and --batch-size must be at least 1")
    for name in ("test_fraction", "val_fraction"):
        if not 0.05 <= getattr(ns, name) <= 0.5:
            parser.error(f"--{name.replace('_', '-')} must be between 0.05 and 0.5")
