"""Shared fixtures: models, sample images, the app, its test client and a real server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.servers import REPO_ROOT, gunicorn_server

SHIPPED_MODEL = REPO_ROOT / "models" / "paper_cnn" / "model.onnx"
SHIPPED_KERAS_MODEL = SHIPPED_MODEL.with_suffix(".keras")
SHARED_DATA = REPO_ROOT.parent / "shared" / "data" / "ham10000"


def lesion_like_image(width: int = 120, height: int = 90, seed: int = 0) -> Image.Image:
    """Return a skin-coloured noisy image with a dark disc in the middle."""
    rng = np.random.default_rng(seed)
    skin = np.array([214, 160, 140], dtype=float)
    pixels = skin + rng.normal(0, 12, (height, width, 3))
    yy, xx = np.mgrid[:height, :width]
    disc = (xx - width / 2) ** 2 + (yy - height / 2) ** 2 < (min(width, height) / 3.5) ** 2
    pixels[disc] = np.array([90, 55, 40]) + rng.normal(0, 8, (int(disc.sum()), 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


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
    from backend.predictor import Predictor

    return Predictor(model_path)


@pytest.fixture()
def app(predictor, model_path: Path):
    """The Flask app on the session's predictor, with a 1 MB upload limit for the tests."""
    from backend.app import create_app
    from backend.settings import Settings

    settings = Settings(model_path=model_path, max_upload_bytes=1024 * 1024, max_files=4)
    return create_app(settings, predictor)


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
