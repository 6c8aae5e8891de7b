"""The real backend with several classifiers and the input check, for page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from tests.backend.onnx_models import colour_classifier
from tests.conftest import PAPER_MODEL, SHIPPED_MODEL, encode
from tests.servers import gunicorn_server


@contextmanager
def several_models_backend(folder: Path, input_check: Path) -> Iterator[str]:
    """Run gunicorn serving the default classifier, the paper's CNN and a 120×160 one named
    "wide" (written into `folder`), with `input_check`; yield its URL."""
    wide = colour_classifier(folder / "wide")
    env = {
        "MODEL_PATH": "",
        "MODEL_PATHS": ",".join(str(p) for p in (SHIPPED_MODEL, PAPER_MODEL, wide)),
        "INPUT_CHECK_PATH": str(input_check),
    }
    with gunicorn_server(SHIPPED_MODEL, env=env, workers=1) as (url, _):
        yield url


def not_dermoscopy() -> bytes:
    """Return a grey gradient crossed by stripes as PNG: the input check flags it."""
    x = np.linspace(0, 255, 400)[None, :].repeat(300, axis=0)
    grey = np.clip(x * 0.6 + (np.arange(300)[:, None] // 20 % 2) * 60 + 40, 0, 255)
    return encode(Image.fromarray(grey.astype(np.uint8)).convert("RGB"), "PNG")
