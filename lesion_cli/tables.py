"""Read the two files `lesion score` compares, keyed by image name: the predictions (the CSV or
JSON lines of `lesion predict`, or an ISIC submission CSV) and the truth (a HAM10000 metadata
CSV with image_id and dx, or ISIC ground truth, one-hot)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lesion_api.rows import from_spreadsheet_safe
from lesion_cli.errors import CliError
from lesion_cli.inputs import IMAGE_SUFFIXES
from lesion_core.isic import ISIC_COLUMNS
from lesion_core.labels import CLASS_CODES, UnknownLabelError, index_of

# Where each ISIC column's values go in the model's class order.
ISIC_ORDER = [ISIC_COLUMNS.index(code.upper()) for code in CLASS_CODES]


@dataclass
class Predictions:
    """(7,) probabilities in class-code order per image name, and the images that failed."""

    probabilities: dict[str, np.ndarray] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    models: set[str] = field(default_factory=set)  # the model versions rows name, if any

    def add(self, source: Path, name: str, values: list[str]) -> None:
        """Keep one image's probabilities, or raise CliError for a repeated or bad row."""
        if name in self.probabilities:
            raise CliError(f"{source}: image {name} has two rows; scoring needs one per image")
        try:
            probabilities = np.array([float(v) for v in values], dtype=np.float64)
        except (TypeError, ValueError):
            probabilities = np.array([np.nan])
        if not ((probabilities >= 0) & (probabilities <= 1)).all():
            raise CliError(f"{source}: image {name} has a probability that is not in 0..1")
        self.probabilities[name] = probabilities


def image_name(value: str) -> str:
    """Return the image name of a path or name (as written, or made spreadsheet-safe): the file
    name without an image extension."""
    path = Path(from_spreadsheet_safe(value.strip()))
    return path.stem if path.suffix.lower() in IMAGE_SUFFIXES else path.name


def read_rows(source: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Return a CSV file's columns and rows, or raise CliError when it cannot be read."""
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CliError(f"{source}: cannot read it as CSV ({exc})") from None


def is_json_lines(source: Path) -> bool:
    """Return whether a file is JSON lines (it starts with an object), or raise CliError."""
    try:
        with source.open(encoding="utf-8") as handle:
            return handle.read(64).lstrip().startswith("{")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{source}: cannot read it ({exc})") from None


def read_predictions(source: Path) -> Predictions:
    """Return the predictions in `source`, or raise CliError for a file of another shape."""
    found = Predictions()
    if is_json_lines(source):
        lines = source.read_text(encoding="utf-8").splitlines()
        try:
            records = [json.loads(line) for line in lines if line.strip()]
            named = [(image_name(r["path"]), r) for r in records]
        except (ValueError, KeyError, TypeError):
            raise CliError(f"{source}: not the JSON lines `lesion predict` writes") from None
        for name, record in named:
            if record.get("model_version"):
                found.models.add(str(record["model_version"]))
            if record.get("error"):
                found.failed.append(name)
            else:
                found.add(source, name, [record.get(code) for code in CLASS_CODES])
        return found
    columns, rows = read_rows(source)
    if "path" in columns and set(CLASS_CODES) <= set(columns):
        for row in rows:
            name = image_name(row["path"])
            if row.get("model_version"):
                found.models.add(row["model_version"])
            if row.get("error"):
                found.failed.append(name)
            else:
                found.add(source, name, [row[code] for code in CLASS_CODES])
    elif "image" in columns and set(ISIC_COLUMNS) <= set(columns):
        for row in rows:
            values = [row[column] for column in ISIC_COLUMNS]
            found.add(source, image_name(row["image"]), [values[i] for i in ISIC_ORDER])
    else:
        raise CliError(
            f"{source}: expected the CSV of `lesion predict` (path,{','.join(CLASS_CODES)},…) "
            f"or an ISIC submission (image,{','.join(ISIC_COLUMNS)}); its columns are "
            f"{','.join(columns) or 'none'}"
        )
    return found


def read_truth(source: Path) -> dict[str, int]:
    """Return the true class (its index in the class codes) per image name in `source`, or
    raise CliError for a file of another shape or an unknown diagnosis."""
    columns, rows = read_rows(source)
    ham = {"image_id", "dx"} <= set(columns)
    if not ham and not ("image" in columns and set(ISIC_COLUMNS) <= set(columns)):
        raise CliError(
            f"{source}: expected HAM10000 metadata (image_id, dx) or ISIC ground truth "
            f"(image,{','.join(ISIC_COLUMNS)}); its columns are {','.join(columns) or 'none'}"
        )
    truth: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        name = row["image_id"] if ham else row["image"]
        try:
            truth[image_name(name)] = index_of(row["dx"] if ham else one_hot_code(row))
        except UnknownLabelError as exc:
            raise CliError(f"{source}, line {number}: {exc}") from None
    return truth


def one_hot_code(row: dict[str, str]) -> str:
    """Return the class code of a one-hot ISIC ground-truth row, or raise UnknownLabelError."""
    try:
        marked = [column for column in ISIC_COLUMNS if float(row[column]) >= 0.5]
    except (TypeError, ValueError):
        marked = []
    if len(marked) != 1:
        raise UnknownLabelError(f"not one-hot over {','.join(ISIC_COLUMNS)}")
    return marked[0].lower()
