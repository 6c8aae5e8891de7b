"""What the training CLIs share: where the data and the decoded-image cache are by default."""

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
