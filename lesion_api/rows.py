"""One row per image and model: the answer (or the error) in the columns that `lesion predict`'s
CSV and JSON lines and the page's CSV download share."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from lesion_api.predictions import Prediction
from lesion_core.labels import CLASS_CODES

COLUMNS = (
    "path",
    *CLASS_CODES,
    "label",
    "model",
    "model_version",
    "dermoscopic",
    "input_check_score",
    "warning_codes",
    "age",
    "sex",
    "site",
    "context_used",
    "error",
)


@dataclass(frozen=True)
class Row:
    """What one image got from one model: its probabilities and the input check's verdict, or an
    error."""

    path: str  # the file's path (the command line) or its name (the page)
    model: str
    model_version: str
    probabilities: dict[str, float] | None = None  # by class code; None when it failed
    label: str | None = None
    dermoscopic: bool | None = None  # None: no input check ran, or it failed
    input_check_score: float | None = None
    warning_codes: tuple[str, ...] = ()
    age: float | None = None  # the context the answer had (None: not given)
    sex: str | None = None
    site: str | None = None
    context_used: bool | None = None  # None: no context given
    error: str | None = None  # "code: message"

    @classmethod
    def answered(cls, path: str, model: str, prediction: Prediction) -> Row:
        """Return the row of a prediction (rounded as the service answers)."""
        check = prediction.input_check
        context = prediction.context
        return cls(
            path=path,
            model=model,
            model_version=prediction.model_version,
            probabilities=dict(prediction.probabilities),
            label=prediction.label,
            dermoscopic=None if check is None else check.dermoscopic,
            input_check_score=None if check is None else check.score,
            warning_codes=() if check is None else tuple(check.warning_codes),
            age=None if context is None else context.age,
            sex=None if context is None else context.sex,
            site=None if context is None else context.site,
            context_used=None if context is None else context.used,
        )

    @classmethod
    def failed(cls, path: str, model: str, version: str, code: str, message: str, name: str) -> Row:
        """Return the row of an image refused with the service's `code` and `message`. A
        multi-file answer names the file by its position in the request ("file 3 ('x.jpg')");
        the row says what that file alone gets ("'x.jpg'"), as positions mean nothing here."""
        alone = f"'{name}'"
        message = re.sub(rf"^file \d+ \({re.escape(alone)}\)", lambda _: alone, message)
        return cls(path=path, model=model, model_version=version, error=f"{code}: {message}")

    def record(self) -> dict[str, object]:
        """Return the row as a flat dict keyed by COLUMNS (None where there is no value)."""
        probabilities = self.probabilities or {}
        return {
            "path": self.path,
            **{code: probabilities.get(code) for code in CLASS_CODES},
            "label": self.label,
            "model": self.model,
            "model_version": self.model_version,
            "dermoscopic": self.dermoscopic,
            "input_check_score": self.input_check_score,
            "warning_codes": list(self.warning_codes),
            "age": self.age,
            "sex": self.sex,
            "site": self.site,
            "context_used": self.context_used,
            "error": self.error,
        }

    def cells(self) -> list[str]:
        """Return the row's CSV cells, in the order of COLUMNS."""
        return [cell(value) for value in self.record().values()]


# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Return `text` as a spreadsheet shows it as text: a leading apostrophe where it would
    start a formula (a file named `=HYPERLINK(...).jpg`)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def from_spreadsheet_safe(text: str) -> str:
    """Return the text `spreadsheet_safe` made safe."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def cell(value: object) -> str:
    """Return a CSV cell: empty for None, true/false, warning codes joined with ';', text made
    spreadsheet-safe (numbers as they are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return spreadsheet_safe(";".join(value))
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def write_csv(stream: TextIO, rows: Iterable[Row], header: bool = True) -> None:
    """Write the rows as CSV to `stream`, after the header of COLUMNS when `header` is on."""
    writer = csv.writer(stream, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)


def to_csv(rows: Iterable[Row]) -> str:
    """Return the header and the rows as CSV text."""
    stream = io.StringIO()
    write_csv(stream, rows)
    return stream.getvalue()
