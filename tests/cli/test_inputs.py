"""Which images a run classifies: files, folders searched recursively, CSV lists."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lesion_cli.errors import CliError
from lesion_cli.inputs import find_images
from tests.cli.conftest import SAMPLES


def test_a_folder_gives_its_images_and_those_below_sorted_and_nothing_else(tmp_path):
    for name in ["b.JPG", "a.png", "deep/er/c.webp", "d.tiff", "e.bmp", "f.jpeg", "g.tif"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    for name in ["notes.txt", "scan.gif", ".hidden.jpg", ".cache/h.jpg"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = find_images([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found.images] == [
        "a.png",
        "b.JPG",
        "d.tiff",
        "deep/er/c.webp",
        "e.bmp",
        "f.jpeg",
        "g.tif",
    ]


def test_an_image_named_twice_counts_once_in_the_order_first_named(tmp_path):
    shutil.copy(SAMPLES[0], tmp_path / "a.jpg")
    shutil.copy(SAMPLES[1], tmp_path / "b.jpg")
    found = find_images([tmp_path / "b.jpg", tmp_path, tmp_path / "." / "a.jpg"])
    assert found.images == [tmp_path / "b.jpg", tmp_path / "a.jpg"]


def test_a_file_named_on_the_command_line_is_taken_whatever_its_name(tmp_path):
    (tmp_path / "scan.dat").write_bytes(b"x")
    assert find_images([tmp_path / "scan.dat"]).images == [tmp_path / "scan.dat"]


def test_a_csv_path_column_is_relative_to_the_csv_folder_and_reports_the_missing(tmp_path):
    (tmp_path / "img").mkdir()
    shutil.copy(SAMPLES[0], tmp_path / "img" / "a.jpg")
    listing = tmp_path / "list.csv"
    listing.write_text(f"path,note\nimg/a.jpg,x\nimg/gone.jpg,y\n{SAMPLES[1]},z\n,empty\n")
    # SAMPLES[1] is an absolute path outside the CSV's folder: read only when asked for.
    found = find_images([listing], any_path=True)
    assert found.images == [tmp_path / "img" / "a.jpg", SAMPLES[1]]
    assert found.missing == [tmp_path / "img" / "gone.jpg"]


@pytest.mark.parametrize("outside", ["../secret.jpg", "/etc/passwd", "img/../../x.jpg"])
def test_a_csv_path_that_leads_out_of_its_folder_is_refused_unless_asked_for(tmp_path, outside):
    (tmp_path / "img").mkdir()
    shutil.copy(SAMPLES[0], tmp_path / "img" / "a.jpg")
    listing = tmp_path / "img" / "list.csv"
    listing.write_text(f"path\na.jpg\n{outside}\n")
    with pytest.raises(CliError, match=r"1 of its paths lead out of .*--any-path"):
        find_images([listing])
    assert tmp_path / "img" / "a.jpg" in find_images([listing], any_path=True).images


@pytest.mark.parametrize("column", ["image", "image_id"])
def test_csv_image_names_are_found_in_the_image_dir_and_below(tmp_path, column):
    (tmp_path / "part_2").mkdir()
    shutil.copy(SAMPLES[0], tmp_path / "part_2" / "ISIC_1.jpg")
    shutil.copy(SAMPLES[1], tmp_path / "ISIC_2.png")
    listing = tmp_path / "elsewhere" / "ids.csv"
    listing.parent.mkdir()
    listing.write_text(f"{column},dx\nISIC_1,nv\nISIC_2.png,mel\n")
    found = find_images([listing], image_dir=tmp_path)
    assert found.images == [tmp_path / "part_2" / "ISIC_1.jpg", tmp_path / "ISIC_2.png"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,dx\nISIC_1,nv\n", "needs a column `path` (image files) or `image` or `image_id`"),
        ("image_id,dx\nISIC_1,nv\n", "none of its 1 images is there"),
    ],
)
def test_a_csv_without_usable_column_or_any_image_there_is_refused(tmp_path, content, message):
    listing = tmp_path / "ids.csv"
    listing.write_text(content)
    with pytest.raises(CliError, match=r"ids\.csv: ") as caught:
        find_images([listing])
    assert message in caught.value.message


def test_a_source_that_is_not_there_or_a_folder_without_images_is_refused(tmp_path):
    with pytest.raises(CliError, match="no such file or folder"):
        find_images([tmp_path / "nothing"])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(CliError, match="no images"):
        find_images([Path(tmp_path)])
