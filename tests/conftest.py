"""Shared fixtures: models, sample images, the app, its test client and a real server."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.servers import REPO_ROOT, gunicorn_server

SHIPPED_MODEL = REPO_ROOT / "models" / "resnet_small_2x" / "model.onnx"
SHIPPED_KERAS_MODEL = SHIPPED_MODEL.with_suffix(".keras")
SHIPPED_SEGMENTER = REPO_ROOT / "models" / "lesion_segmenter" / "model.onnx"
SHIPPED_INPUT_CHECK = REPO_ROOT / "models" / "input_check" / "model.onnx"
PAPER_MODEL = REPO_ROOT / "models" / "paper_cnn" / "model.onnx"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "ham10000"


if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):
    # Each worker's TensorFlow gets its share of the cores (before any test imports it), so
    # that two workers do not run two thread pools of every core each.
    share = str(max(1, (os.cpu_count() or 1) // workers))
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", share)
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", share)


# One xdist group for the Docker stacks and the browser tests: they run one at a time. A Docker
# network coming up changes the host's interfaces, and Chromium then drops the page's requests
# in flight (net::ERR_NETWORK_CHANGED), which twice left a browser test's page blank.
HOST_NETWORK = "host_network"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test without an `xdist_group` mark in the group of its file, and order the
    groups for `pytest -n N --dist loadgroup --no-loadscope-reorder` (`make test`).

    A group runs on one worker, so each module fixture is built once; files that share a costly
    session fixture or the Docker engine name one group with their own `xdist_group` mark.
    Workers take groups in order as they finish one: the groups whose files are marked
    `heavy(seconds)` go first, longest first, so that no worker starts a long group while the
    others run dry; the rest keep their order."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.relative_to(REPO_ROOT).as_posix()))
    seconds: dict[str, dict[Path, float]] = {}  # group → its heavy files' expected seconds
    for item in items:
        group = seconds.setdefault(item.get_closest_marker("xdist_group").args[0], {})
        if heavy := item.get_closest_marker("heavy"):
            group[item.path] = heavy.args[0]
    order = {name: -sum(files.values()) for name, files in seconds.items()}
    items.sort(key=lambda item: order[item.get_closest_marker("xdist_group").args[0]])


def disc_mask(
    width: int, height: int, centre: tuple[float, float] | None = None, radius: float | None = None
) -> np.ndarray:
    """Return a (height, width) boolean disc, by default centred with radius short side / 3.5."""
    cx, cy = centre if centre is not None else (width / 2, height / 2)
    radius = radius if radius is not None else min(width, height) / 3.5
    yy, xx = np.mgrid[:height, :width]
    return (xx - cx) ** 2 + (yy - cy) ** 2 < radius**2


def lesion_like_image(
    width: int = 120,
    height: int = 90,
    seed: int = 0,
    centre: tuple[float, float] | None = None,
    radius: float | None = None,
) -> Image.Image:
    """Return a skin-coloured noisy image with a dark disc (`disc_mask` with the same arguments)."""
    rng = np.random.default_rng(seed)
    skin = np.array([214, 160, 140], dtype=float)
    pixels = skin + rng.normal(0, 12, (height, width, 3))
    disc = disc_mask(width, height, centre, radius)
    pixels[disc] = np.array([90, 55, 40]) + rng.normal(0, 8, (int(disc.sum()), 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def run_keras(model, inputs: np.ndarray):
    """Return `model`'s output(s) for `inputs` as NumPy, from one eager call: for the handful of
    images a test sends, `model.predict` would spend more on tracing the model than on it."""
    import keras

    batch = np.asarray(inputs, dtype=np.float32)
    # A functional model whose inputs were given as a one-item list wants its input in one, too
    # (a Sequential model not called yet has no `input`).
    listed = not isinstance(model, keras.Sequential) and isinstance(model.input, list)
    outputs = model([batch] if listed else batch, training=False)
    return keras.tree.map_structure(keras.ops.convert_to_numpy, outputs)


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    """Return `image` encoded in `fmt`."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_jpeg() -> bytes:
    """A small synthetic lesion photo as JPEG bytes."""
    return encode(lesion_like_image(), quality=92)


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The shipped model as the service runs it (ONNX)."""
    return SHIPPED_MODEL


@pytest.fixture(scope="session")
def keras_model_path() -> Path:
    """The shipped model as training saved it (Keras), the reference for parity tests."""
    return SHIPPED_KERAS_MODEL


@pytest.fixture(scope="session")
def predictor(model_path: Path):
    """One loaded Predictor for the whole session (loading TensorFlow is slow)."""
    from lesion_runtime.predictor import Predictor

    return Predictor(model_path)


@pytest.fixture(scope="session")
def segmenter():
    """The shipped lesion segmenter, loaded once for the whole session."""
    from lesion_runtime.segmenter import Segmenter

    return Segmenter(SHIPPED_SEGMENTER)


@pytest.fixture(scope="session")
def input_check_path() -> Path:
    """The shipped input check (dermoscopy or not) as the service runs it."""
    return SHIPPED_INPUT_CHECK


@pytest.fixture(scope="session")
def input_checker(input_check_path: Path):
    """The input check, loaded once for the whole session."""
    from lesion_runtime.input_check import InputChecker

    return InputChecker(input_check_path)


@pytest.fixture()
def app(predictor, segmenter, input_checker, model_path: Path):
    """The Flask app on the session's models, with a 1 MB upload limit for the tests."""
    from backend.app import create_app
    from backend.settings import Settings

    settings = Settings(
        model_path=model_path,
        segmenter_path=SHIPPED_SEGMENTER,
        max_upload_bytes=1024 * 1024,
        max_files=4,
    )
    return create_app(settings, predictor, segmenter, input_checker)


@pytest.fixture()
def client(app):
    """Flask's test client for `app`."""
    return app.test_client()


@pytest.fixture(scope="session")
def live_backend(model_path: Path) -> Iterator[str]:
    """The real backend under gunicorn on a free loopback port (2 workers); yields its base URL."""
    with gunicorn_server(model_path, workers=2) as (url, _):
        yield url


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """HAM10000 as laid out in ../shared; tests that need it skip cleanly without it."""
    if not (SHARED_DATA / "metadata.csv").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
