"""The service starts and classifies with TensorFlow, Keras and `training` unimportable (what each
package may import is pinned by tests/test_layers.py)."""

from __future__ import annotations

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
