"""One default wherever nobody names a model: /predict, the page's preselection, and the `lesion`
command in-process and against the service give the same answer from the same classifier."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from streamlit.testing.v1 import AppTest

from lesion_cli.main import main as lesion_main
from lesion_core.labels import CLASS_CODES
from tests.servers import REPO_ROOT, gunicorn_server

pytestmark = [pytest.mark.server, pytest.mark.heavy(40)]

APP = str(REPO_ROOT / "frontend" / "app.py")
SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"


@pytest.fixture(scope="module")
def shipped_backend() -> Iterator[str]:
    """The service as shipped: every shipped classifier, no MODEL_PATH, the default its own."""
    with gunicorn_server(Path(), env={"MODEL_PATH": ""}) as (url, _):
        yield url


def cli_row(tmp_path: Path, *extra: str) -> dict[str, str]:
    """Return the one CSV row `lesion predict SAMPLE` writes with `extra` arguments."""
    out = tmp_path / f"answers-{len(extra)}.csv"
    assert lesion_main(["predict", str(SAMPLE), "--out", str(out), *extra]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    return row


def test_the_api_the_page_and_the_cli_answer_with_the_same_default(
    monkeypatch: pytest.MonkeyPatch, shipped_backend: str, tmp_path: Path
) -> None:
    catalogue = requests.get(f"{shipped_backend}/models", timeout=30).json()
    assert catalogue["default"] == "ensemble", "the most accurate shipped model"
    with SAMPLE.open("rb") as image:
        api = requests.post(f"{shipped_backend}/predict", files={"file": image}, timeout=60).json()
    assert api["model"] == "ensemble"

    monkeypatch.setenv("BACKEND_URL", shipped_backend)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.selectbox(key="model").value == catalogue["default"]

    monkeypatch.delenv("DEFAULT_MODEL", raising=False)
    in_process = cli_row(tmp_path)
    remote = cli_row(tmp_path, "--url", shipped_backend)
    for row in (in_process, remote):
        assert row["model"] == "ensemble" and row["model_version"] == api["model_version"]
        assert row["label"] == api["label"]
        assert [float(row[c]) for c in CLASS_CODES] == pytest.approx(
            [api["probabilities"][c] for c in CLASS_CODES], abs=1e-4
        )


def test_default_model_moves_the_cli_default_as_it_moves_the_services(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DEFAULT_MODEL", "resnet_small_2x")
    row = cli_row(tmp_path)
    assert row["model"] == "resnet_small_2x"
