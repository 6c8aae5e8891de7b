"""The settings of a high-resolution classifier run, which `python -m training.highres.train`
parses, the recipe reads and config.json records. No TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lesion_core.colour_constancy import SHADES_OF_GRAY
from lesion_core.size import Size
from training.arguments import SettingsError, option
from training.cli import (
    cache_option,
    check_data,
    check_model_name,
    check_out,
    check_range,
    data_option,
)
from training.highres.variants import VARIANTS, Variant, recorded_variant

DEFAULT_SPLIT = Path("models/ham10000_split.csv")
IMAGE_SIZE = Size(160, 120)  # 4:3 like the photos; see the model card for why
MIN_SIDE = 32  # the network's total stride
DESCRIPTION = (
    "Fine-tune EfficientNet-Lite0, Lite1 or Lite2 (ImageNet weights) on HAM10000, on the "
    "lesion-grouped split of the shipped 28x28 models; writes model.keras, config.json and "
    "split.csv."
)


def parse_image_size(text: str) -> Size:
    """Return the Size written as `WIDTHxHEIGHT`; raise SettingsError when it is not one."""
    try:
        size = Size.parse(text)
    except ValueError:
        size = None
    if size is None or min(size) < MIN_SIDE:
        raise SettingsError(
            f"--image-size {text}: give WIDTHxHEIGHT in pixels, each side at least {MIN_SIDE}, "
            "e.g. 192x144"
        )
    return size


def recorded_architecture(config: dict) -> tuple[Variant, Size]:
    """Return the variant and input size that a run's config.json records: Lite0 at
    IMAGE_SIZE for a run from before they were recorded (the shipped one)."""
    size = Size.of(config.get("image_size", IMAGE_SIZE))
    return recorded_variant(config.get("architecture")), size


@dataclass(frozen=True, kw_only=True)
class HighresConfig:
    """Everything one run depends on; saved as config.json beside the model."""

    data: Path = data_option()
    out: Path = option(help="run folder; must be empty or absent")
    name: str | None = option(
        None,
        "the model's name in config.json, which the service serves it under (?model=NAME): "
        "letters, digits, _ and -",
        shown="the run folder's name",
    )
    cache_dir: Path = cache_option()
    variant: str = option(
        "lite0",
        "the EfficientNet-Lite to fine-tune from its ImageNet weights",
        choices=tuple(VARIANTS),
    )
    image_size: str = option(
        f"{IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}",
        "WIDTHxHEIGHT the images are resized to (4:3 keeps the photos' shape)",
    )
    split: Path = option(DEFAULT_SPLIT, "split.csv to train and score on (the 28×28 models')")
    epochs: int = option(5, "passes over the training part (cosine schedule over all of them)")
    batch_size: int = option(32, "images per step")
    learning_rate: float = option(5e-4, "peak learning rate, after half an epoch of warm-up")
    seed: int = option(42, "random seed (weights of the new layer, flips, order)")
    init: Path | None = option(
        None,
        "a trained classifier of --variant (.keras, e.g. the shipped Lite0) whose fine-tuned "
        "layers the run starts from",
        shown="ImageNet weights",
    )
    milk10k: Path | None = option(
        None,
        "also train on MILK10k's dermoscopic images of our seven classes outside its validation "
        "third (a MILK10k folder: metadata.csv, images/)",
        shown="HAM10000 only",
    )
    isic2017: Path | None = option(
        None,
        "also train on ISIC 2017's train third (a folder: labels.csv, images/); its val third "
        "joins validation",
        shown="not used",
    )
    balance_sources: bool = option(
        False, "draw training images so that each source weighs the same in every epoch"
    )
    colour_constancy: bool = option(
        False,
        "correct every image's light with Shades of Gray (p = 6) after the shared "
        "preprocessing; the served model does the same",
    )
    device_views: int = option(
        0,
        "add this many simulated-device views of each training image (round and rectangular "
        "vignettes, any rotation, colour casts, exposure, blur, JPEG quality); their frozen "
        "features are cached beside the flips' in --cache-dir",
    )

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        check_range("epochs", self.epochs, 1)
        check_range("batch_size", self.batch_size, 1)
        check_range("learning_rate", self.learning_rate, 1e-7, 1.0)
        check_range("device_views", self.device_views, 0, 16)
        check_model_name(self.name)
        parse_image_size(self.image_size)
        if self.milk10k is not None and not (self.milk10k / "metadata.csv").is_file():
            raise SettingsError(f"--milk10k {self.milk10k}: no metadata.csv; point it at MILK10k")
        if self.isic2017 is not None and not (self.isic2017 / "labels.csv").is_file():
            raise SettingsError(f"--isic2017 {self.isic2017}: no labels.csv; point it at ISIC 2017")
        if self.init is not None and not self.init.is_file():
            raise SettingsError(f"--init {self.init}: no such file; pass a trained model.keras")
        check_data(self.data, folder_only=True)
        check_out(self.out, overwrite=False)
        if not self.split.is_file():
            raise SettingsError(f"--split {self.split}: no such file; pass a run's split.csv")

    @property
    def colour_method(self) -> str | None:
        """Return the colour constancy the run applies (config.json's `colour_constancy`)."""
        return SHADES_OF_GRAY if self.colour_constancy else None

    @property
    def architecture(self) -> Variant:
        """Return the --variant to train."""
        return VARIANTS[self.variant]

    @property
    def size(self) -> Size:
        """Return --image-size."""
        return parse_image_size(self.image_size)
