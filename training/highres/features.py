"""The frozen first layers of the high-resolution classifier, and their outputs cached on disk.

The stem and the first three stages (strides 2 to 8; Lite0's blocks 0–4, 16 to 40 channels, and
Lite1's and Lite2's blocks 0–6) keep their ImageNet weights: they find edges and textures, and
they cost most of the network's time on these 2 cores because their feature maps are large.
Training computes their output once for each image and each of its four flips (the augmentation
that keeps a 4:3 image 4:3) and then trains only the later blocks, the head and the classifier
on those cached maps: for Lite0, about six times faster per epoch.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

import keras
import numpy as np

from training.data import cached
from training.dataset import Dataset
from training.highres.efficientnet_lite import (
    default_checkpoint,
    efficientnet_lite_layers,
    load_imagenet_weights,
)
from training.highres.variants import LITE0, Variant, stage_end

FROZEN_STAGES = 3  # the stem and stages 1-3 (to stride 8) stay as trained on ImageNet
FLIPS = ("none", "horizontal", "vertical", "both")
BATCH = 64

log = logging.getLogger(__name__)


def flipped(images: np.ndarray, flip: str) -> np.ndarray:
    """Return (N, H, W, C) images flipped as `flip` (one of FLIPS) says."""
    if flip not in FLIPS:
        raise ValueError(f"unknown flip {flip!r}; one of {', '.join(FLIPS)}")
    if flip in ("horizontal", "both"):
        images = images[:, :, ::-1]
    if flip in ("vertical", "both"):
        images = images[:, ::-1]
    return images


def frozen_blocks(variant: Variant = LITE0) -> int:
    """Return how many MBConv blocks stay frozen: those of the first FROZEN_STAGES stages."""
    return stage_end(FROZEN_STAGES, variant)


def build_frozen_part(image_shape: tuple[int, int], variant: Variant = LITE0) -> keras.Model:
    """Return the variant's stem and frozen blocks for (height, width) RGB, ImageNet-weighted."""
    inputs = keras.Input((*image_shape, 3), name="image")
    outputs = efficientnet_lite_layers(inputs, variant, blocks=(0, frozen_blocks(variant)))
    model = keras.Model(inputs, outputs, name=f"{variant.name}_frozen")
    load_imagenet_weights(model, default_checkpoint(variant), variant)
    return model


def onnx_session(path: Path):
    """Return an ONNX Runtime CPU session for the graph at `path` (it is read into memory)."""
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def exported(model: keras.Model):
    """Return an ONNX Runtime session of `model`, exported once: on these CPUs two to three
    times as fast as Keras for inference."""
    from training.export import export_model

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        export_model(model, path)
        return onnx_session(path)


def run_batched(session, images: np.ndarray, batch: int = BATCH) -> np.ndarray:
    """Return the session's first output for uint8 `images`, `batch` images at a time."""
    from training.export import INPUT_NAME

    chunks = [
        session.run(None, {INPUT_NAME: np.ascontiguousarray(images[i : i + batch])})[0]
        for i in range(0, len(images), batch)
    ]
    return np.concatenate(chunks)


def _cache_prefix(variant: Variant) -> str:
    """Return the start of the variant's cache file names, e.g. lite0-frozen5."""
    return f"{variant.short_name}-frozen{frozen_blocks(variant)}"


def frozen_features(images: np.ndarray, variant: Variant = LITE0) -> np.ndarray:
    """Return the frozen part's output for each image and flip: (N, 4, h, w, c) float16."""
    session = exported(build_frozen_part(images.shape[1:3], variant))
    views = []
    for flip in FLIPS:
        log.info("frozen features, flip %s: %d images", flip, len(images))
        views.append(run_batched(session, flipped(images, flip)).astype(np.float16))
    return np.stack(views, axis=1)


def cached_view_features(
    views: np.ndarray, cache_dir: Path | None, variant: Variant = LITE0
) -> np.ndarray:
    """Return the frozen part's output for (N, K, h, w, 3) uint8 views: (N, K, h', w', c)
    float16, from `cache_dir` when computed before."""
    count, per_image, height, width = views.shape[:4]
    cache_file = None
    if cache_dir is not None:
        digest = hashlib.sha1(views[:, :, ::7, ::7].tobytes()).hexdigest()[:16]
        name = f"{_cache_prefix(variant)}-views-{width}x{height}-{per_image}-{digest}.npz"
        cache_file = cache_dir / name

    def compute() -> dict[str, np.ndarray]:
        session = exported(build_frozen_part((height, width), variant))
        log.info("frozen features of %d device views", count * per_image)
        flat = run_batched(session, views.reshape(-1, height, width, 3)).astype(np.float16)
        return {"features": flat.reshape(count, per_image, *flat.shape[1:])}

    return cached(cache_file, compute)["features"]


def cached_frozen_features(
    dataset: Dataset, cache_dir: Path | None, variant: Variant = LITE0
) -> np.ndarray:
    """Return `frozen_features` of the dataset's images, from `cache_dir` when computed before."""
    cache_file = None
    if cache_dir is not None:
        height, width = dataset.images.shape[1:3]
        digest = hashlib.sha1(dataset.image_ids.tobytes())
        digest.update(dataset.images[::97].tobytes())  # a sample of pixels: cheap, and enough
        name = f"{_cache_prefix(variant)}-{width}x{height}-{digest.hexdigest()[:16]}.npz"
        cache_file = cache_dir / name

    def compute() -> dict[str, np.ndarray]:
        return {"features": frozen_features(dataset.images, variant)}

    return cached(cache_file, compute)["features"]


def predict_unflipped(model: keras.Model, features: np.ndarray) -> np.ndarray:
    """Return a trainable part's probabilities on the cached features of the unflipped images."""
    return model.predict(features[:, 0].astype(np.float32), batch_size=64, verbose=0)
