"""The real backend with several classifiers and the input check, for page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.backend.onnx_models import colour_classifier
from tests.conftest import PAPER_MODEL, SHIPPED_MODEL
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
