"""The one way the training CLIs declare their settings: a dataclass of `option()` fields."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT
from training.arguments import SettingsError, build_parser, option, parse
from training.classifier.calibration import CalibrateArgs
from training.classifier.config import TrainConfig
from training.classifier.evaluate import EvaluateArgs
from training.cli import check_range, removed_if_left_empty
from training.export import ExportArgs
from training.input_check.quality_thresholds import QualityConfig
from training.reports.card import CardArgs
from training.reports.compare import CompareArgs
from training.segmenter.config import SegmenterConfig
from training.segmenter.evaluate import EvaluateArgs as SegmenterEvaluateArgs

# In an order where no CLI module is imported by one before it (runpy warns about that).
CLIS = {
    "training.export": ExportArgs,
    "training.classifier.train": TrainConfig,
    "training.classifier.evaluate": EvaluateArgs,
    "training.classifier.calibration": CalibrateArgs,
    "training.segmenter.train": SegmenterConfig,
    "training.segmenter.evaluate": SegmenterEvaluateArgs,
    "training.reports.card": CardArgs,
    "training.reports.compare": CompareArgs,
    "training.input_check.quality_thresholds": QualityConfig,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Example:
    """Settings of every kind `parse` supports."""

    folders: tuple[Path, ...] = option(help="folders", positional=True)
    name: str = option(help="a required name")
    size: int = option(3, "a size")
    rate: float = option(0.5, "a rate")
    seed: int | None = option(None, "a seed", shown="--size")
    mode: str = option("a", "a mode", choices=("a", "b"))
    fast: bool = option(False, "go fast")

    def check(self) -> None:
        check_range("size", self.size, 1, 9)


@pytest.mark.parametrize("settings_type", CLIS.values(), ids=list(CLIS))
def test_every_option_of_every_cli_has_help_and_shows_its_default(settings_type):
    parser = build_parser(settings_type)
    for action in parser._actions:
        if action.dest == "help":
            continue
        assert action.help, action.dest
        required = action.required or not action.option_strings
        assert required or "(default: " in action.help, action.dest


def test_parse_converts_each_kind_of_field():
    settings = parse(Example, ["x", "y", "--name", "n", "--seed", "4", "--rate", "2", "--fast"])
    assert settings.folders == (Path("x"), Path("y"))
    assert (settings.name, settings.size, settings.rate, settings.seed) == ("n", 3, 2.0, 4)
    assert settings.mode == "a" and settings.fast is True


def test_help_shows_each_default_and_how_a_computed_one_is_found(capsys):
    with pytest.raises(SystemExit) as exited:
        parse(Example, ["--help"], prog="example")
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "usage: example folders [options]" in text
    for shown in ("a size (default: 3)", "a seed (default: --size)", "go fast (default: off)"):
        assert shown in text


def test_a_check_failure_is_a_usage_error_with_the_message(capsys):
    with pytest.raises(SystemExit) as exited:
        parse(Example, ["x", "--name", "n", "--size", "10"], prog="example")
    assert exited.value.code == 2
    assert "example: error: --size must be between 1 and 9 (got 10)" in capsys.readouterr().err


def test_a_missing_required_option_is_named(capsys):
    with pytest.raises(SystemExit):
        parse(Example, ["x"])
    assert "the following arguments are required: --name" in capsys.readouterr().err


def test_an_option_without_help_is_refused_when_declared():
    with pytest.raises(TypeError, match="help"):
        option(3)


@pytest.mark.parametrize(
    ("low", "high", "value", "message"),
    [
        (1, None, 0, "--batch-size must be at least 1 (got 0)"),
        (0.05, 0.5, 0.7, "--batch-size must be between 0.05 and 0.5 (got 0.7)"),
    ],
)
def test_check_range_names_the_flag_the_range_and_the_value(low, high, value, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_range("batch_size", value, low, high)


def test_a_failed_block_removes_the_folder_it_left_empty(tmp_path):
    out = tmp_path / "runs" / "now"
    with pytest.raises(RuntimeError), removed_if_left_empty(out):
        out.mkdir(parents=True)
        raise RuntimeError("data failed")
    assert not out.exists()


def test_a_failed_block_keeps_a_folder_with_files_or_one_that_was_there(tmp_path):
    written, existing = tmp_path / "written", tmp_path / "existing"
    existing.mkdir()
    for folder in (written, existing):
        with pytest.raises(RuntimeError), removed_if_left_empty(folder):
            folder.mkdir(exist_ok=True)
            if folder is written:
                (folder / "split.csv").write_text("image_id,part\n")
            raise RuntimeError("training failed")
        assert folder.is_dir()


def test_help_of_every_cli_loads_no_tensorflow_and_prints_no_log_lines():
    # One fresh interpreter runs each CLI's --help in turn and names the first that loaded TF.
    script = (
        "import runpy, sys\n"
        f"for module in {list(CLIS)!r}:\n"
        "    sys.argv = [module, '--help']\n"
        "    try:\n"
        "        runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    if 'tensorflow' in sys.modules or 'keras' in sys.modules:\n"
        "        sys.exit(f'{module} --help loaded TensorFlow')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.count("usage: python -m training.") == len(CLIS)


@pytest.mark.parametrize("variable", [None, "/elsewhere/ham10000"])
def test_make_and_the_training_clis_look_for_the_data_in_one_place(variable):
    # The README states one place (data/ham10000, or $HAM10000_DIR); make must agree with --data.
    env = {k: v for k, v in os.environ.items() if k not in ("HAM10000_DIR", "DATA")}
    if variable is not None:
        env["HAM10000_DIR"] = variable
    default = subprocess.run(
        [sys.executable, "-c", "from training.cli import DEFAULT_DATA; print(DEFAULT_DATA)"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    planned = subprocess.run(
        ["make", "-n", "train", "RUN_OUT=runs/x"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert default == (variable or "data/ham10000")
    assert f"-m training.classifier.train --data {default} --out runs/x" in planned
