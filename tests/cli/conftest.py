"""Fixtures of the command line's tests: folders of real images made in tmp_path, and `lesion`
run in this process."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from lesion_cli.main import main
from tests.servers import REPO_ROOT

SAMPLES = sorted((REPO_ROOT / "samples").glob("*.jpg"))  # one 600×450 image per class
SAMPLE_TRUTH = REPO_ROOT / "samples" / "samples.csv"  # image_id and dx of each sample


@dataclass(frozen=True)
class Ran:
    """What a `lesion` command did."""

    status: int
    out: str
    err: str


@pytest.fixture()
def lesion(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run `lesion` with the given arguments in this process; return its status and output."""

    def run(*arguments: object) -> Ran:
        status = main([str(argument) for argument in arguments])
        captured = capsys.readouterr()
        return Ran(status, captured.out, captured.err)

    return run


@pytest.fixture()
def image_folder(tmp_path: Path) -> Path:
    """Three sample images: two JPEGs (one in a subfolder) and one PNG."""
    folder = tmp_path / "images"
    (folder / "more").mkdir(parents=True)
    shutil.copy(SAMPLES[0], folder / SAMPLES[0].name)
    shutil.copy(SAMPLES[1], folder / "more" / SAMPLES[1].name)
    Image.open(SAMPLES[2]).save(folder / f"{SAMPLES[2].stem}.png")
    return folder


def damaged_jpeg(path: Path) -> Path:
    """Write the first 4 kB of a sample JPEG to `path` (the image is cut off); return it."""
    path.write_bytes(SAMPLES[3].read_bytes()[:4096])
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
