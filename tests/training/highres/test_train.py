"""The high-resolution recipe's command line: --name, the name the service serves the run under."""

from __future__ import annotations

import pytest

from training.cli import parse
from training.highres import train as train_cli
from training.highres.train import HighresConfig


def arguments(tmp_path, *extra: str) -> list[str]:
    """Return a command line whose data folder and split file exist."""
    split = tmp_path / "split.csv"
    split.write_text("image_id,part\n")
    return ["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--split", str(split), *extra]


def test_name_is_recorded_for_the_service_and_defaults_to_the_run_folders(tmp_path):
    assert parse(HighresConfig, arguments(tmp_path, "--name", "my_highres")).name == "my_highres"
    # config.json then has "name": null, and the service names the model after its run folder.
    assert parse(HighresConfig, arguments(tmp_path)).name is None


def test_a_name_the_service_cannot_serve_is_refused_before_training(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        train_cli.main(arguments(tmp_path, "--name", "my highres"))
    assert exited.value.code == 2
    assert "--name 'my highres': use 1 to 64 letters" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
