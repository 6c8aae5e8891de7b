"""The package boundaries: the service runs without TensorFlow, Keras or `training`, and the page
imports neither the service nor the training code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "ISIC_0024400.jpg"

# Runs in a fresh interpreter: a finder refuses the forbidden packages, then the real app (every
# shipped model loaded) answers /health and classifies a sample with each classifier.
SERVICE_WITHOUT_TRAINING = """
import io, sys
FORBIDDEN = ("tensorflow", "keras", "training", "tf2onnx")
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"the service imported {name}")
sys.meta_path.insert(0, Refuse())
from backend.app import create_app
client = create_app().test_client()
assert client.get("/health").status_code == 200
data = open(sys.argv[1], "rb").read()
for model in client.get("/models").get_json()["models"]:
    answer = client.post(f"/predict?model={model['name']}",
                         data={"file": (io.BytesIO(data), "lesion.jpg")})
    assert answer.status_code == 200, answer.get_json()
print("served", len(client.get("/models").get_json()["models"]), "models")
"""


def test_service_starts_and_classifies_with_tensorflow_keras_and_training_unimportable():
    result = subprocess.run(
        [sys.executable, "-c", SERVICE_WITHOUT_TRAINING, str(SAMPLE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "served" in result.stdout


def _imported_packages(folder: Path) -> set[str]:
    found = set()
    for file in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_backend_never_imports_training():
    assert "training" not in _imported_packages(REPO / "backend")


def test_page_imports_neither_the_service_nor_training_nor_the_core():
    assert not {"backend", "training", "lesion_core", "tensorflow", "keras"} & _imported_packages(
        REPO / "frontend"
    )


def test_the_inference_package_imports_only_the_layers_below_it():
    # lesion_core and lesion_api (the wire types) below; the service, the CLI and training above.
    above = {"backend", "lesion_cli", "training", "benchmarks", "frontend", "flask"}
    assert not above & _imported_packages(REPO / "lesion_runtime")
    assert not {"lesion_runtime", *above} & _imported_packages(REPO / "lesion_api")


def test_the_cli_imports_neither_the_service_nor_training():
    assert not {"backend", "training", "flask", "tensorflow", "keras"} & _imported_packages(
        REPO / "lesion_cli"
    )
