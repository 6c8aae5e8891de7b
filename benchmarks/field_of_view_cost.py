"""What does the field-of-view crop add to the shared preprocessing? Milliseconds per image.

For a sample JPEG as taken (no border: the field is looked for and not found), the same photo
inside a round field of view (a centred disc of 85 % of the shorter side, black outside: the
field is cropped and its corners filled) and inside a letterbox, and a 4000×3000 phone-sized
version of the round one: the one decode `/predict` makes (28×28 classifier and the input
check's views), with and without the crop, alternating so that a busy machine slows both alike,
and the crop alone on that decode. Prints medians and the machine.
Run: `make bench` (or `.venv/bin/python benchmarks/field_of_view_cost.py --help`).
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from lesion_core import preprocess  # noqa: E402
from lesion_core.check_input import check_view_sizes  # noqa: E402
from lesion_core.decode import decoded_rgb, open_image  # noqa: E402
from lesion_core.preprocess import decode_cover, in_field  # noqa: E402
from training.device_simulation import barred, disc_masked  # noqa: E402

DEFAULT_IMAGE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"  # 600×450, the median size
GROUPS = [[28], check_view_sizes()]


def jpeg(image: Image.Image) -> bytes:
    """Return `image` as JPEG bytes at quality 90."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def median_ms(call, count: int) -> float:
    """Return the median wall-clock milliseconds of `count` calls."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def without_crop(rgb: Image.Image) -> tuple[Image.Image, None]:
    """Return the decode as preprocessing v2 used it: no field looked for."""
    return rgb, None


def measure(label: str, data: bytes, count: int) -> None:
    """Print the decode's median with and without the crop, and the crop alone."""
    with_crop, without = [], []
    for _ in range(count):
        with_crop.append(median_ms(lambda: preprocess.preprocess_groups(data, GROUPS), 1))
        with mock.patch.object(preprocess, "in_field", without_crop):
            without.append(median_ms(lambda: preprocess.preprocess_groups(data, GROUPS), 1))
    with open_image(data) as image:
        rgb = decoded_rgb(image, decode_cover([size for group in GROUPS for size in group]))
    _, box = in_field(rgb)
    crop = median_ms(lambda: in_field(rgb), count)
    print(
        f"{label}: decode for /predict {statistics.median(with_crop):.2f} ms with the crop, "
        f"{statistics.median(without):.2f} ms without; the crop alone {crop:.3f} ms on the "
        f"{rgb.size[0]}x{rgb.size[1]} decode (field {box})"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="a JPEG as taken")
    parser.add_argument("--count", type=int, default=200, help="calls per measurement")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    photo = Image.open(args.image).convert("RGB")
    round_field = disc_masked(photo, 0.85)
    measure("as taken", jpeg(photo), args.count)
    measure("round field (disc 85 %)", jpeg(round_field), args.count)
    measure("letterbox (12 % bars)", jpeg(barred(photo, (0.12, 0.0))), args.count)
    phone = round_field.resize((4000, 3000), Image.Resampling.BILINEAR)
    measure("round field, 4000x3000", jpeg(phone), max(20, args.count // 10))


if __name__ == "__main__":
    main()
