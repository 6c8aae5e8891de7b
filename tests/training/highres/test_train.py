"""The high-resolution recipe's command line: --name, the name the service serves the run under,
and --variant and --image-size, which config.json records."""

from __future__ import annotations

import json

import pytest

from tests.servers import REPO_ROOT
from training.arguments import parse
from training.highres import train as train_cli
from training.highres.config import HighresConfig, recorded_architecture
from training.highres.variants import LITE0, LITE2


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


def test_variant_and_image_size_default_to_lite0_at_160x120(tmp_path):
    config = parse(HighresConfig, arguments(tmp_path))
    assert (config.architecture, config.size) == (LITE0, (160, 120))


def test_variant_and_image_size_are_read_as_a_variant_and_width_height(tmp_path):
    argv = arguments(tmp_path, "--variant", "lite2", "--image-size", "224x168")
    config = parse(HighresConfig, argv)
    assert (config.architecture, config.size) == (LITE2, (224, 168))


@pytest.mark.parametrize("size", ["160", "160x", "0x120", "16x12", "160X120"])
def test_an_image_size_that_is_not_width_x_height_is_refused(tmp_path, capsys, size):
    with pytest.raises(SystemExit) as exited:
        parse(HighresConfig, arguments(tmp_path, "--image-size", size))
    assert exited.value.code == 2
    assert "give WIDTHxHEIGHT in pixels" in capsys.readouterr().err


def test_the_shipped_run_reads_as_lite0_at_160x120():
    # Its config.json predates `image_size` and describes the architecture in words.
    config = json.loads((REPO_ROOT / "models" / "efficientnet_lite0" / "config.json").read_text())
    assert recorded_architecture(config) == (LITE0, (160, 120))
