"""Several simulated-device views of each training image, made once and cached on disk.

Each view is a HAM10000 photo as another dermatoscope might have taken it
(training.device_simulation), then turned into model input by the shared preprocessing, at every
size asked for (e.g. the 28×28 classifier's and the high-resolution model's), so that one cache
serves both recipes and the frozen part of the high-resolution model can be computed on them.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.preprocess import PREPROCESSING_ID, image_to_array
from lesion_core.size import Size, SizeLike
from training import device_simulation
from training.data import cached
from training.device_simulation import as_device, draw_look

log = logging.getLogger(__name__)

WORKERS = 2  # these machines' cores
CHUNK = 64
# Fewer files than this are simulated in this process: a process pool costs more than it saves
# (and cannot be spawned from every host process, e.g. a pytest-xdist worker).
PARALLEL_FROM = 1024


def image_views(file: Path, sizes: list[SizeLike], count: int, seed: int) -> list[np.ndarray]:
    """Return `count` simulated-device views of one photo at each of `sizes`: a list per size
    of (count, height, width, 3) uint8, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    with Image.open(file) as opened:
        photo = opened.convert("RGB")
    made = [[] for _ in sizes]
    for _ in range(count):
        device_photo = as_device(photo, draw_look(rng))
        for views, size in zip(made, sizes, strict=True):
            views.append(image_to_array(device_photo, size))
    return [np.stack(views) for views in made]


def _chunk_views(job: tuple[list[Path], list[SizeLike], int, list[int]]) -> list[np.ndarray]:
    """Return image_views for a chunk of files, stacked per size (a worker's job)."""
    files, sizes, count, seeds = job
    per_file = [image_views(f, sizes, count, s) for f, s in zip(files, seeds, strict=True)]
    return [np.stack([views[i] for views in per_file]) for i in range(len(sizes))]


def compute_device_views(
    files: list[Path], sizes: list[SizeLike], count: int, seed: int, workers: int = WORKERS
) -> list[np.ndarray]:
    """Return (N, count, height, width, 3) uint8 views of `files` for each of `sizes`."""
    seeds = [int(s) for s in np.random.default_rng(seed).integers(2**31, size=len(files))]
    jobs = [
        (files[i : i + CHUNK], sizes, count, seeds[i : i + CHUNK])
        for i in range(0, len(files), CHUNK)
    ]
    log.info("simulating %d device views of %d images", count, len(files))
    if workers <= 1 or len(files) < PARALLEL_FROM:
        parts = [_chunk_views(job) for job in jobs]
    else:
        # Spawned, not forked: the parent has usually loaded TensorFlow, whose threads a fork
        # would copy in an unknown state.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            parts = list(pool.map(_chunk_views, jobs))
    return [np.concatenate([part[i] for part in parts]) for i in range(len(sizes))]


def device_views(
    files: list[Path],
    sizes: list[SizeLike],
    count: int,
    seed: int,
    cache_dir: Path | None = None,
) -> list[np.ndarray]:
    """Return compute_device_views, from `cache_dir` when the same views were made before (the
    key covers the files, sizes, count, seed, preprocessing and the simulation's code)."""
    cache_file = None
    if cache_dir is not None:
        digest = hashlib.sha1(
            "|".join(
                [
                    *map(str, files),
                    *(f"{w}x{h}" for w, h in map(Size.of, sizes)),
                    str(count),
                    str(seed),
                    PREPROCESSING_ID,
                ]
            ).encode()
        )
        digest.update(Path(device_simulation.__file__).read_bytes())
        cache_file = cache_dir / f"device-views-{digest.hexdigest()[:16]}.npz"
    arrays = cached(
        cache_file,
        lambda: {
            f"views{i}": a for i, a in enumerate(compute_device_views(files, sizes, count, seed))
        },
    )
    return [arrays[f"views{i}"] for i in range(len(sizes))]
