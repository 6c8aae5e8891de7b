"""Prove the EfficientNet-Lite ports: ImageNet top-1 and top-5 on labelled everyday photos.

    python -m training.highres.imagenet_check --ood ../shared/data/ood --variant lite1

`--ood` is a folder with `index.csv` (path, kind, source, original; an `everyday` row's original
name starts with its ImageNet WordNet id) and `imagenet_classes.csv` (index, synset, name) giving
the network's output order. Images go through ImageNet's usual evaluation transform: the shorter
side resized to 256 (bicubic), then the centre 224×224, scaled for a variant's own resolution
(Lite1 240×240, Lite2 260×260).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from training.arguments import SettingsError, option, parse
from training.cli import check_range, setup_logging
from training.highres.variants import VARIANTS

EVAL_SIZE = 224
RESIZE_SHORTER = 256
KIND = "everyday"


@dataclass(frozen=True)
class LabelledPhoto:
    """One photo and the index of its ImageNet class."""

    path: Path
    label: int


def labelled_photos(ood_dir: Path, kind: str = KIND) -> list[LabelledPhoto]:
    """Return the photos of `kind` in `ood_dir/index.csv` with their ImageNet class index."""
    with open(ood_dir / "imagenet_classes.csv", newline="") as f:
        index_of = {row["synset"]: int(row["index"]) for row in csv.DictReader(f)}
    with open(ood_dir / "index.csv", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["kind"] == kind]
    return [
        LabelledPhoto(ood_dir / row["path"], index_of[Path(row["original"]).name.split("_")[0]])
        for row in rows
    ]


def imagenet_eval_array(path: Path, size: int = EVAL_SIZE) -> np.ndarray:
    """Return ImageNet's evaluation view of a photo: shorter side to 256/224·size, centre crop."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    shorter = round(size * RESIZE_SHORTER / EVAL_SIZE)
    scale = shorter / min(rgb.size)
    resized = rgb.resize(
        (max(size, round(rgb.width * scale)), max(size, round(rgb.height * scale))),
        Image.Resampling.BICUBIC,
    )
    left, top = (resized.width - size) // 2, (resized.height - size) // 2
    return np.asarray(resized.crop((left, top, left + size, top + size)), dtype=np.float32)


def top_k_accuracy(probabilities: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Return the fraction of rows whose label is among the k highest probabilities."""
    top = np.argsort(-probabilities, axis=1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


@dataclass(frozen=True, kw_only=True)
class CheckSettings:
    """Command-line settings of `python -m training.highres.imagenet_check`."""

    ood: Path = option(
        Path("../shared/data/ood"), "folder with index.csv, imagenet_classes.csv and everyday/"
    )
    limit: int = option(0, "score only the first N photos (0: all)")
    variant: str = option("lite0", "the EfficientNet-Lite to score", choices=tuple(VARIANTS))
    size: int = option(0, "the centre crop's side", shown="the variant's native resolution")

    def check(self) -> None:
        """Raise SettingsError when the folder has no index or the size is negative."""
        check_range("size", self.size, 0)
        if not (self.ood / "index.csv").is_file():
            raise SettingsError(f"--ood {self.ood}: no index.csv; point it at shared/data/ood")


def main(argv: list[str] | None = None) -> int:
    """Print top-1 and top-5 of the ported variant with TF-"same" and symmetric padding."""
    args = parse(
        CheckSettings, argv, "python -m training.highres.imagenet_check", __doc__.split("\n\n")[0]
    )
    setup_logging()
    from training.highres.efficientnet_lite import (
        build_efficientnet_lite,
        default_checkpoint,
        load_imagenet_weights,
    )

    variant = VARIANTS[args.variant]
    size = args.size or variant.resolution
    photos = labelled_photos(args.ood)[: args.limit or None]
    images = np.stack([imagenet_eval_array(p.path, size) for p in photos])
    labels = np.array([p.label for p in photos])
    for padding in ("same", "symmetric"):
        model = build_efficientnet_lite(variant, (size, size, 3), padding=padding)
        load_imagenet_weights(model, default_checkpoint(variant), variant)
        probabilities = model.predict(images, batch_size=50, verbose=0)
        top1, top5 = (top_k_accuracy(probabilities, labels, k) for k in (1, 5))
        print(
            f"{variant.name} {size}x{size}  padding={padding:<9}  photos={len(photos)}  "
            f"top-1 {top1:.4f}  top-5 {top5:.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
