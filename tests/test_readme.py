"""The README's figures are what the project does today: its /predict example is the service's
answer for that sample, its list of make targets is `make help`'s, and its memory figure bounds a
real worker serving every shipped model, so a change cannot leave the README behind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.servers import REPO_ROOT, gunicorn_server

EXAMPLE = re.compile(
    r"curl -F file=@samples/(?P<file>\S+) http://127\.0\.0\.1:8000/predict\n```\n\n```json\n"
    r"(?P<body>.*?)\n```",
    re.DOTALL,
)


@pytest.mark.server
def test_the_readmes_predict_example_is_the_services_answer():
    match = EXAMPLE.search((REPO_ROOT / "README.md").read_text())
    assert match, "the README's /predict example is missing"
    shown = json.loads(match["body"])
    data = (REPO_ROOT / "samples" / match["file"]).read_bytes()
    # The service as `make run` starts it: every shipped model, its own default.
    with gunicorn_server(Path(), env={"MODEL_PATH": ""}) as (url, _):
        files = {"file": (match["file"], data, "image/jpeg")}
        answer = requests.post(f"{url}/predict", files=files, timeout=60).json()
    assert shown == {key: answer[key] for key in shown}


def test_the_readme_names_every_make_target():
    targets = re.findall(r"^([a-z-]+):.*## ", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
    listed = re.search(r"`make help` lists every target\s+\((?P<list>[^)]*)\)", readme(), re.DOTALL)
    assert listed, "the README's list of make targets is missing"
    assert sorted(re.findall(r"`([a-z-]+)`", listed["list"])) == sorted(targets)


@pytest.mark.server
def test_a_worker_serving_every_shipped_model_stays_within_the_readmes_memory_figure():
    stated = re.search(r"at\s+most\s+(\d+)\s+MB\s+of\s+memory\s+per\s+worker", readme())
    assert stated, "the README's memory figure is missing"
    sample = (REPO_ROOT / "samples" / "ISIC_0024335.jpg").read_bytes()
    with gunicorn_server(Path(), env={"MODEL_PATH": ""}) as (url, master):
        names = [m["name"] for m in requests.get(f"{url}/models", timeout=30).json()["models"]]
        for name in names:  # each model's arena grows on its first image
            files = {"file": ("lesion.jpg", sample, "image/jpeg")}
            answer = requests.post(f"{url}/localize?model={name}", files=files, timeout=60)
            assert answer.status_code == 200
        (worker,) = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        status = Path(f"/proc/{worker}/status").read_text()
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status)[1])
    assert peak_kb / 1024 <= int(stated[1])


def readme() -> str:
    return (REPO_ROOT / "README.md").read_text()
