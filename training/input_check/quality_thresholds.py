"""Where HAM10000 lies on each quality measure, and how much each warning's threshold flags.

    python -m training.input_check.quality_thresholds --data ../shared/data/ham10000

Every image is read as the service reads an upload (`lesion_core.check_input.check_views`). The
thresholds in `lesion_core/image_quality.py` are meant to flag under 0.5 % of HAM10000 each; this
prints the percentiles they were set from, the share each flags, and the sharpness of blurred
copies (a Gaussian blur on the image as stored), so that "blurred" is seen to catch real blur.
"""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from lesion_core import image_quality
from lesion_core.check_input import check_views
from lesion_core.image_quality import (
    MEASURE_SIZE,
    luminance_at_measure_size,
    pixel_warnings,
    sharpness,
)
from training.arguments import SettingsError, option, parse
from training.cli import cache_option, check_data, check_range, data_option, setup_logging
from training.data import Decoder, find_image_folders, load_dataset
from training.dataset import DataError

PERCENTILES = (0.1, 0.5, 1.0, 50.0, 99.5, 99.9)
BLUR_RADII = (1.0, 1.5, 2.0, 3.0)
RULES = {  # each pixel warning's code, and its rule as the report names it
    "too_dark": f"too dark (mean < {image_quality.DARK_MEAN:g})",
    "washed_out": f"washed out (mean > {image_quality.BRIGHT_MEAN:g} or contrast < "
    f"{image_quality.MIN_CONTRAST:g})",
    "blurred": f"blurred (sharpness < {image_quality.MIN_SHARPNESS:g}, exposure fine)",
}
MEASURED = Decoder(  # each image as the service measures an upload's quality
    f"quality-measure/{MEASURE_SIZE[0]}x{MEASURE_SIZE[1]}",
    lambda path, size: np.asarray(check_views(path).measured),
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class QualityConfig:
    """Settings of the quality-threshold report."""

    data: Path = data_option()
    cache_dir: Path = cache_option()
    blurred: int = option(500, "images blurred at each radius to show what 'blurred' catches")

    def check(self) -> None:
        check_data(self.data, folder_only=True)
        check_range("blurred", self.blurred, 1)


def measures(grey: np.ndarray) -> tuple[float, float, float]:
    """Return (mean luminance, contrast, sharpness) of a greyscale array at MEASURE_SIZE."""
    return float(grey.mean()), float(grey.std()), sharpness(grey)


def blurred_grey(path: Path, radius: float) -> np.ndarray:
    """Return the greyscale copy the service measures of the image at `path` blurred by
    `radius`."""
    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.convert("RGB").filter(ImageFilter.GaussianBlur(radius)).save(buffer, "PNG")
    return luminance_at_measure_size(check_views(buffer.getvalue()).measured)


def warning_codes(greys: list[np.ndarray]) -> list[set[str]]:
    """Return, per greyscale copy, the codes of the warnings the service's own rules give it."""
    return [{warning.code for warning in pixel_warnings(grey)} for grey in greys]


def flag_rate(codes: list[set[str]], code: str) -> np.ndarray:
    """Return, per image, whether it got warning `code` (from warning_codes)."""
    return np.array([code in found for found in codes])


def report(config: QualityConfig) -> None:
    """Print the percentiles, the shares flagged and the sharpness of blurred copies."""
    dataset = load_dataset(config.data, MEASURE_SIZE, config.cache_dir, MEASURED)
    greys = [luminance_at_measure_size(Image.fromarray(image)) for image in dataset.images]
    rows = np.array([measures(grey) for grey in greys])
    print(f"HAM10000: {len(rows):,} images measured at {MEASURE_SIZE[0]}x{MEASURE_SIZE[1]}")
    for column, name in enumerate(("mean luminance", "contrast", "sharpness")):
        cells = "  ".join(f"p{p:g} {np.percentile(rows[:, column], p):.1f}" for p in PERCENTILES)
        print(f"  {name:15} {cells}")
    codes = warning_codes(greys)
    for code, rule in RULES.items():
        hits = flag_rate(codes, code)
        print(f"  flags {100 * hits.mean():.2f} % ({hits.sum()}): {rule}")
    paths = sorted((find_image_folders(config.data)[0]).glob("*.jpg"))[: config.blurred]
    if not paths:
        raise DataError(f"{config.data}: no .jpg images to blur")
    for radius in BLUR_RADII:
        blurred = [blurred_grey(p, radius) for p in paths]
        values = np.array([sharpness(grey) for grey in blurred])
        caught = flag_rate(warning_codes(blurred), "blurred").mean()
        print(
            f"  Gaussian blur r={radius:g} on {len(paths)} images: sharpness median "
            f"{np.median(values):.1f}, flagged {100 * caught:.1f} %"
        )


def main(argv: list[str] | None = None) -> int:
    """Print the quality measures' percentiles on HAM10000; 2 on bad data."""
    config = parse(
        QualityConfig, argv, "python -m training.input_check.quality_thresholds", __doc__
    )
    setup_logging()
    try:
        report(config)
    except (DataError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
