"""The settings of a lesion segmenter run, which `python -m training.segmenter.train`
parses, the recipe reads and config.json records. No TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.arguments import option
from training.cli import (
    cache_option,
    check_data,
    check_out,
    check_range,
    check_run_settings,
    data_option,
)

EPOCHS = 20
BATCH_SIZE = 16
LEARNING_RATE = 2e-3
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
SEED = 42
LEVELS = 4  # encoder levels of the shipped U-Net (unet.UNET_LEVELS)

DESCRIPTION = (
    "Train the lesion segmenter on a HAM10000 release folder with a masks/ folder, and write a "
    "run folder (model.keras, model.onnx, split.csv, history.csv, config.json, loss.png)."
)


@dataclass(frozen=True, kw_only=True)
class SegmenterConfig:
    """Everything a segmenter run depends on; written to config.json as its settings."""

    data: Path = data_option()
    out: Path = option(help="run folder; must be empty or absent")
    epochs: int = option(EPOCHS, "passes over the training part")
    batch_size: int = option(BATCH_SIZE, "images per training step")
    learning_rate: float = option(LEARNING_RATE, "Adam's starting rate, decayed to 0 (cosine)")
    test_fraction: float = option(TEST_FRACTION, "share of lesions held out for the test part")
    val_fraction: float = option(VAL_FRACTION, "share of the rest's lesions for validation")
    seed: int = option(SEED, "seed of the split, the weights and the shuffling")
    levels: int = option(LEVELS, "U-Net encoder levels, 1 to 4 (fewer: smaller and faster)")
    cache_dir: Path | None = cache_option()
    overwrite: bool = option(False, "allow a non-empty --out")

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        check_run_settings(self)
        check_range("levels", self.levels, 1, LEVELS)
        check_data(self.data, folder_only=True)
        check_out(self.out, self.overwrite)
