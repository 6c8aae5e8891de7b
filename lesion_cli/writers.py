"""The output files, and what an earlier run already wrote to one (so that a rerun carries on):
CSV with one column per field, JSON lines, or the ISIC challenge's submission CSV."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from lesion_api.rows import COLUMNS, Row, from_spreadsheet_safe, spreadsheet_safe, write_csv
from lesion_cli.errors import CliError
from lesion_cli.inputs import path_key
from lesion_core.isic import ISIC_COLUMNS, ISIC_HEADER

TAIL_CHUNK = 64 * 1024  # bytes read at a time, from the end, to find a cut-off last row


@dataclass
class Earlier:
    """The images an earlier run wrote to the output, and the model versions that answered."""

    keys: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)


def image_key(path: Path | str, fmt: str) -> str:
    """Return what identifies an image's row: its image name in the ISIC format (the file's
    stem), else its absolute path."""
    return Path(path).stem if fmt == "isic" else path_key(path)


def earlier_rows(out: Path, fmt: str) -> Earlier:
    """Return what an earlier run wrote to `out` (nothing when there is no such file), after
    cutting off a last row it left half-written; raise CliError when `out` holds another
    format."""
    if not out.is_file() or out.stat().st_size == 0:
        return Earlier()
    try:
        refuse_other_format(out, fmt)  # before anything is cut off a file that is not ours
        trim_partial_row(out)
        return read_earlier(out, fmt)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CliError(f"--out {out}: cannot read it ({exc}); name another file") from None


def refuse_other_format(out: Path, fmt: str) -> None:
    """Raise CliError unless the first line of `out` is what `fmt` starts with: its header, or
    (JSON lines) a row."""
    with out.open(newline="", encoding="utf-8") as handle:
        first = handle.readline()
    if fmt == "jsonl":
        try:
            fits = "path" in json.loads(first)
        except (ValueError, TypeError):
            fits = False
    else:
        fits = tuple(next(csv.reader([first]), ())) == (ISIC_HEADER if fmt == "isic" else COLUMNS)
    if not fits:
        raise CliError(
            f"--out {out} begins with {first.strip()[:60]!r}, not as --format {fmt} writes; "
            "name another file"
        )


def read_earlier(out: Path, fmt: str) -> Earlier:
    """Return the image keys and model versions of the rows in `out`, or raise CliError when
    they are not rows of `fmt`."""
    earlier = Earlier()
    with out.open(newline="", encoding="utf-8") as handle:
        if fmt == "jsonl":
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    earlier.keys.add(image_key(record["path"], fmt))
                except (ValueError, KeyError, TypeError):
                    raise CliError(
                        f"--out {out}: line {number} is not a row of `--format jsonl`; name "
                        "another file"
                    ) from None
                earlier.versions.add(record.get("model_version"))
            return earlier
        rows = csv.reader(handle)
        next(rows)  # the header, checked already
        expected = ISIC_HEADER if fmt == "isic" else COLUMNS
        for values in rows:
            if not values:
                continue
            if len(values) != len(expected):
                raise CliError(
                    f"--out {out}: line {rows.line_num} has {len(values)} fields, not "
                    f"{len(expected)}; mend it or name another file"
                )
            earlier.keys.add(image_key(from_spreadsheet_safe(values[0]), fmt))
            if fmt == "csv":
                earlier.versions.add(values[COLUMNS.index("model_version")])
    return earlier


def trim_partial_row(path: Path) -> None:
    """Cut off the last line of a file when it lacks its line end: a run stopped while writing
    it. The image is then classified again."""
    with path.open("rb+") as handle:
        end = size = handle.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - TAIL_CHUNK)
            handle.seek(start)
            chunk = handle.read(end - start)
            if end == size and chunk.endswith(b"\n"):
                return
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                handle.truncate(start + cut + 1)
                return
            end = start
        handle.truncate(0)


class RowWriter:
    """Writes rows in one format to a text stream, flushed after each batch."""

    def __init__(self, stream: TextIO, fmt: str, header: bool) -> None:
        self.stream = stream
        self.format = fmt
        self.isic = csv.writer(stream, lineterminator="\n")
        if header and fmt == "csv":
            write_csv(stream, [])  # the header the page's CSV download has too (lesion_api.rows)
        elif header and fmt == "isic":
            self.isic.writerow(ISIC_HEADER)
        stream.flush()

    def holds(self, row: Row) -> bool:
        """Return whether the format has room for the row (an ISIC submission has no errors)."""
        return self.format != "isic" or row.error is None

    def write(self, rows: Sequence[Row]) -> None:
        """Write the rows the format holds."""
        kept = [row for row in rows if self.holds(row)]
        if self.format == "csv":
            write_csv(self.stream, kept, header=False)
        elif self.format == "jsonl":
            self.stream.writelines(json.dumps(row.record()) + "\n" for row in kept)
        else:
            for row in kept:
                probabilities = row.probabilities or {}
                values = [probabilities[column.lower()] for column in ISIC_COLUMNS]
                self.isic.writerow([spreadsheet_safe(Path(row.path).stem), *values])
        self.stream.flush()
