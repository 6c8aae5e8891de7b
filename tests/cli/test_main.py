"""The `lesion` command as installed: its entry point, and no TensorFlow behind it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import SAMPLE_TRUTH, SAMPLES
from tests.servers import REPO_ROOT

# Runs in a fresh interpreter: a finder refuses TensorFlow and Keras, then both commands run.
WITHOUT_TENSORFLOW = """
import sys
FORBIDDEN = ("tensorflow", "keras", "tf2onnx")
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"lesion imported {name}")
sys.meta_path.insert(0, Refuse())
from lesion_cli.main import main
out, truth, plots = sys.argv[1:4]
assert main(["predict", *sys.argv[4:], "--out", out]) == 0
assert main(["score", out, truth, "--plots", plots]) == 0
"""


def test_predict_and_score_run_with_tensorflow_unimportable(tmp_path):
    files = [tmp_path / "preds.csv", SAMPLE_TRUTH, tmp_path / "plots", *SAMPLES]
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_TENSORFLOW, *map(str, files)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Balanced accuracy" in result.stdout


def test_the_installed_command_and_the_module_answer_help():
    lesion = Path(sys.executable).parent / "lesion"
    for command in ([str(lesion)], [sys.executable, "-m", "lesion_cli"]):
        result = subprocess.run(
            [*command, "predict", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "100"},
        )
        assert result.returncode == 0 and "usage: lesion predict" in result.stdout


def test_a_bad_path_exits_2_without_a_traceback_from_the_installed_command(tmp_path):
    lesion = Path(sys.executable).parent / "lesion"
    result = subprocess.run(
        [str(lesion), "predict", str(tmp_path / "missing")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert (
        result.stderr == f"lesion predict: error: {tmp_path / 'missing'}: no such file or folder\n"
    )
