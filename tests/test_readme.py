"""The README's /predict example is what the service answers for that sample today: its figures
come from the shipped models, so a new model cannot leave the README behind."""

from __future__ import annotations

import json
import re

from tests.servers import REPO_ROOT

EXAMPLE = re.compile(
    r"curl -F file=@samples/(?P<file>\S+) http://127\.0\.0\.1:8000/predict\n```\n\n```json\n"
    r"(?P<body>.*?)\n```",
    re.DOTALL,
)


def test_the_readmes_predict_example_is_the_services_answer(client):
    match = EXAMPLE.search((REPO_ROOT / "README.md").read_text())
    assert match, "the README's /predict example is missing"
    shown = json.loads(match["body"])
    data = (REPO_ROOT / "samples" / match["file"]).read_bytes()
    answer = client.post("/predict", data=data, content_type="image/jpeg").json
    answer["file"] = match["file"]  # a raw body has no file name; the example used -F
    assert shown == {key: answer[key] for key in shown}
