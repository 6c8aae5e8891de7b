"""The output files and what an earlier run wrote to one."""

from __future__ import annotations

import io

import pytest

from lesion_api.rows import COLUMNS, Row
from lesion_cli.errors import CliError
from lesion_cli.inputs import path_key
from lesion_cli.writers import RowWriter, earlier_rows, trim_partial_row

FAILED = Row("a/b.jpg", "m", "m-1", error="invalid_image: 'b.jpg': damaged")


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        (b"head\nrow 1\nrow 2\n", b"head\nrow 1\nrow 2\n"),
        (b"head\nrow 1\nro", b"head\nrow 1\n"),
        (b"hea", b""),
        (b"head\n" + b"x" * 200_000, b"head\n"),  # the cut-off row is longer than a chunk
    ],
)
def test_a_last_row_without_its_line_end_is_cut_off(tmp_path, content, kept):
    path = tmp_path / "out.csv"
    path.write_bytes(content)
    trim_partial_row(path)
    assert path.read_bytes() == kept


def test_csv_cells_are_empty_for_nothing_and_warning_codes_are_joined():
    stream = io.StringIO()
    row = Row("a.jpg", "m", "m-1", {"mel": 1.0}, "mel", True, 0.9, ("too_dark", "blurred"))
    RowWriter(stream, "csv", header=True).write([row, FAILED])
    header, answered, failed = stream.getvalue().splitlines()
    assert header == ",".join(COLUMNS)
    assert answered == "a.jpg,,,,,1.0,,,mel,m,m-1,true,0.9,too_dark;blurred,,,,,"
    assert failed == "a/b.jpg,,,,,,,,,m,m-1,,,,,,,,invalid_image: 'b.jpg': damaged"


def test_earlier_rows_are_keyed_by_path_or_by_image_name(tmp_path):
    out = tmp_path / "out.csv"
    with out.open("w") as stream:
        RowWriter(stream, "csv", header=True).write([FAILED])
    earlier = earlier_rows(out, "csv")
    assert earlier.keys == {path_key("a/b.jpg")} and earlier.versions == {"m-1"}
    out.write_text("image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_1,0,1,0,0,0,0,0\n")
    assert earlier_rows(out, "isic").keys == {"ISIC_1"}
    assert earlier_rows(tmp_path / "none.csv", "csv").keys == set()


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("csv", "image,MEL\nx,1"),
        ("jsonl", "not json\n{"),
        ("isic", ",".join(COLUMNS) + "\n"),
        ("csv", ",".join(COLUMNS) + "\na,b\n"),
    ],
)
def test_an_output_that_is_no_earlier_run_of_the_format_is_refused_untouched(
    tmp_path, fmt, content
):
    out = tmp_path / "out"
    out.write_text(content)
    with pytest.raises(CliError, match="another file"):
        earlier_rows(out, fmt)
    assert out.read_text() == content
