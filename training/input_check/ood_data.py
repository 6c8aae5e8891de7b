"""The non-dermoscopic images (shared/data/ood), by kind, with the groups a fair split keeps whole.

`index.csv` lists path, kind, source and original name. Clinical photos are grouped by their
condition folder (photos of one condition look alike), every other image is its own group.
Two kinds are made here: `synthetic` (flat colours, noise and patterns, which no photo
collection holds and which an ImageNet feature space alone does not set apart) and `round_field`
(each X-ray, MRI and everyday photo inside a dark round field like a dermatoscope's or a fundus
camera's, every other one tinted orange-red like a retina; no fundus photos are collected). A
round-field image keeps its source's group, so a split keeps the two on one side.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.check_input import check_views
from lesion_core.size import Size, SizeLike
from training.dataset import DataError
from training.device_simulation import disc_masked, scaled_colours
from training.input_check.features import CHECK_DECODER

KINDS = ("clinical_skin", "chest_xray", "brain_mri", "everyday", "synthetic", "round_field")
COLLECTED = KINDS[:4]  # the kinds in shared/data/ood; the others are made here
ROUND_FIELD = "round_field"
# Not clinical photos: inside a round field they would be dermoscopy in all but name.
ROUND_SOURCES = ("chest_xray", "brain_mri", "everyday")
RETINA_GAINS = (1.0, 0.55, 0.25)  # an orange-red cast like a fundus photo's
SYNTHETIC_COUNT = 400
PATTERNS = ("flat", "noise", "gradient", "stripes", "checkerboard", "blobs")


@dataclass(frozen=True)
class OodImages:
    """Decoded non-dermoscopic images with their kind, group and file."""

    images: np.ndarray  # (N, H, W, 3) uint8
    kinds: np.ndarray  # (N,) str, one of KINDS
    groups: np.ndarray  # (N,) str
    paths: np.ndarray  # (N,) str


def group_of(kind: str, original: str, path: str) -> str:
    """Return the group a split keeps together: the condition for clinical photos, else the file."""
    if kind == "clinical_skin":
        return f"{kind}/{Path(original).parent.name}"
    return path


def load_ood(folder: Path, size: SizeLike) -> OodImages:
    """Return every image of `folder/index.csv` as the input check's model sees an upload."""
    index = folder / "index.csv"
    if not index.is_file():
        raise DataError(f"{folder}: no index.csv; point at shared/data/ood")
    with open(index, newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["kind"] in COLLECTED]
    images = [CHECK_DECODER.function(folder / row["path"], size) for row in rows]
    kinds = [row["kind"] for row in rows]
    groups = [group_of(row["kind"], row["original"], row["path"]) for row in rows]
    paths = [row["path"] for row in rows]
    for i, row in enumerate(row for row in rows if row["kind"] in ROUND_SOURCES):
        images.append(check_views(round_field(folder / row["path"], i % 2 == 1), size).model_input)
        kinds.append(ROUND_FIELD)
        groups.append(group_of(row["kind"], row["original"], row["path"]))
        paths.append(f"{ROUND_FIELD}/{row['path']}")
    for i, (pattern, image) in enumerate(synthetic_images(SYNTHETIC_COUNT, size)):
        images.append(image)
        kinds.append("synthetic")
        groups.append(f"synthetic/{i}")
        paths.append(f"synthetic/{pattern}/{i}")
    return OodImages(np.stack(images), np.array(kinds), np.array(groups), np.array(paths))


def round_field(path: Path, retina: bool) -> bytes:
    """Return the photo at `path` inside a dark round field (`retina`: tinted like a fundus
    photo), as PNG bytes an upload could carry."""
    with Image.open(path) as opened:
        photo = opened.convert("RGB")
    if retina:
        photo = scaled_colours(photo, RETINA_GAINS)
    buffer = io.BytesIO()
    disc_masked(photo, 0.95).save(buffer, format="PNG")
    return buffer.getvalue()


def synthetic_images(count: int, size: SizeLike, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """Return `count` (pattern, image) pairs of what no camera sends but users may: flat colours,
    noise, gradients, stripes, checkerboards and soft blobs, in random colours."""
    rng = np.random.default_rng(seed)
    width, height = Size.of(size)
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    made = []
    for i in range(count):
        pattern = PATTERNS[i % len(PATTERNS)]
        a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        if pattern == "flat":
            field = np.zeros_like(x)
        elif pattern == "noise":
            field = rng.uniform(0, 1, x.shape)
        elif pattern == "gradient":
            angle = rng.uniform(0, np.pi)
            field = (np.cos(angle) * x + np.sin(angle) * y) % 1.0
        elif pattern == "stripes":
            field = (np.sin((x + y * rng.uniform(-1, 1)) * rng.uniform(5, 40)) > 0).astype(float)
        elif pattern == "checkerboard":
            cells = rng.integers(2, 16)
            field = ((np.floor(x * cells) + np.floor(y * cells)) % 2).astype(float)
        else:
            cx, cy, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.4)
            field = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        image = a + field[..., None] * (b - a)
        made.append((pattern, np.clip(image, 0, 255).astype(np.uint8)))
    return made
