"""One way to declare a training CLI's settings: a dataclass whose fields carry help and defaults
(`option()`, `parse()` and `SettingsError` are in training.arguments; the shared fields and
checks are here).

Every `python -m training.…` CLI follows the same four rules (new CLIs too):

1. Its settings are a frozen, keyword-only dataclass whose fields are made by `option()`: the
   default, the help text, and optionally `choices`, `shown` (how the help names a default that is
   worked out later, such as a folder named for the time) and `positional`. Field types: `str`,
   `int`, `float`, `Path`, `bool` (a flag, off by default), `X | None`, `tuple[X, ...]` (one or
   more values). A field without a default is a required argument.
2. It validates itself in a `check()` method that raises `SettingsError` with a message saying how
   to fix the value: `--epochs must be at least 1 (got 0)`, not just "invalid".
3. `main(argv)` calls `parse(Settings, argv, prog=..., description=...)`, which builds the parser
   (every option shows its help and its default), parses, builds the dataclass and runs `check()`;
   a bad argument exits with status 2 and a usage message. main() returns its exit code: 0, or 2
   with `error: …` on stderr for a problem found later (bad data, a failed export).
4. Nothing that loads TensorFlow is imported before parse(). A module that is only a CLI (both
   `train` modules) imports nothing heavy at its top and imports its recipe inside main(); a
   module that is also a library imports TensorFlow inside the functions that need it. So
   `--help` and a mistyped flag answer at once (`python -m training.classifier.train --help`:
   0.5 s instead of 11 s on this project's machine), and parse() sets TF_CPP_MIN_LOG_LEVEL so
   that TensorFlow's C++ log lines stay off the console when it does load.

Helpers for what several CLIs share: `data_option()` and `cache_option()` (the --data and
--cache-dir fields), `check_range`, `check_run_settings`, `check_model_name`, `check_data`,
`check_out`, `setup_logging()` and `removed_if_left_empty(out)`, which a training main() wraps
its run in so that a failed run leaves no empty run folder. A classifier CLI ends with the
figures against always answering `nv` (training.classifier.summary).

    @dataclass(frozen=True, kw_only=True)
    class HighresConfig:
        data: Path = data_option()
        out: Path = option(help="run folder; must be empty or absent")
        epochs: int = option(30, "passes over the training part")
        augment: bool = option(False, "flip and rotate the training images")

        def check(self) -> None:
            check_range("epochs", self.epochs, 1)
            check_data(self.data)
            check_out(self.out, overwrite=False)

    def main(argv: list[str] | None = None) -> int:
        config = parse(HighresConfig, argv, "python -m training.highres.train", DESCRIPTION)
        setup_logging()
        from training.highres.recipe import train  # TensorFlow loads here, after parsing

        with removed_if_left_empty(config.out):
            train(config)
        return 0
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from training.arguments import SettingsError, flag, option

# Where a fresh clone keeps the data (git ignores data/): README, Getting HAM10000. The Makefile's
# DATA has the same default and the same override; tests/training/test_cli.py keeps them equal.
DEFAULT_DATA = Path(os.environ.get("HAM10000_DIR", "data/ham10000"))
DEFAULT_CACHE = Path(os.environ.get("LESION_CACHE_DIR", ".cache"))
# What a model may be called (config.json's `name`): the service takes it in `?model=NAME`, in
# its model version (`NAME-<hash>`) and in its metrics' labels.
MODEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
QUIET_LOGGERS = ("tf2onnx",)  # logs every optimiser pass of each ONNX export at INFO


def data_option() -> Any:
    """Return the --data field every CLI that reads HAM10000 has."""
    return option(
        DEFAULT_DATA,
        "HAM10000 release folder (metadata CSV + images) or Kaggle's HMNIST CSV file",
        shown=f"{DEFAULT_DATA}, from $HAM10000_DIR when set",
    )


def cache_option() -> Any:
    """Return the --cache-dir field every CLI that decodes images has."""
    return option(
        DEFAULT_CACHE,
        "where decoded images are cached, so a second run starts at once",
        shown=f"{DEFAULT_CACHE}, from $LESION_CACHE_DIR when set",
    )


def setup_logging() -> None:
    """Log INFO and above as `LEVEL logger: message`, less the chattiest libraries' INFO lines."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def check_range(name: str, value: float, low: float, high: float | None = None) -> None:
    """Raise SettingsError naming the flag of field `name` when `value` is not in [low, high]."""
    if high is None and value < low:
        raise SettingsError(f"{flag(name)} must be at least {low:g} (got {value:g})")
    if high is not None and not low <= value <= high:
        raise SettingsError(f"{flag(name)} must be between {low:g} and {high:g} (got {value:g})")


def check_run_settings(settings: Any) -> None:
    """Raise SettingsError for the sizes and fractions every training run has, when out of range."""
    check_range("epochs", settings.epochs, 1)
    check_range("batch_size", settings.batch_size, 1)
    check_range("learning_rate", settings.learning_rate, 1e-7, 1.0)
    check_range("test_fraction", settings.test_fraction, 0.05, 0.5)
    check_range("val_fraction", settings.val_fraction, 0.05, 0.5)


def check_model_name(name: str | None) -> None:
    """Raise SettingsError when --name is not a name the service can serve a model under."""
    if name is not None and not MODEL_NAME.fullmatch(name):
        raise SettingsError(
            f"--name {name!r}: use 1 to 64 letters, digits, '_' or '-', starting with a letter "
            "(the service's ?model=NAME), e.g. my_cnn"
        )


def check_data(data: Path, folder_only: bool = False) -> None:
    """Raise SettingsError when --data names nothing (or, with `folder_only`, not a folder)."""
    if not data.exists():
        raise SettingsError(
            f"--data {data}: no such file or folder; pass the HAM10000 release folder or the "
            "HMNIST CSV (README: Getting HAM10000), or set HAM10000_DIR (DATA=... for make)"
        )
    if folder_only and not data.is_dir():
        raise SettingsError(f"--data {data}: pass the HAM10000 release folder (with masks/)")


def check_out(out: Path | None, overwrite: bool) -> None:
    """Raise SettingsError when the run folder `out` already holds files and `overwrite` is off."""
    if out is not None and not overwrite and out.is_dir() and any(out.iterdir()):
        raise SettingsError(f"--out {out} is not empty; choose another --out or pass --overwrite")


def refuse_non_empty(out: Path, overwrite: bool) -> None:
    """Raise FileExistsError when `out` holds files and `overwrite` is off: a recipe's own guard,
    for callers that build its settings without parse()."""
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} is not empty; choose another --out or pass --overwrite")


@contextlib.contextmanager
def removed_if_left_empty(folder: Path) -> Iterator[Path]:
    """Yield `folder`; when the block fails and leaves it empty where it did not exist before,
    remove it, so a failed run leaves no empty run folder behind."""
    existed = folder.exists()
    try:
        yield folder
    except BaseException:
        if not existed and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
