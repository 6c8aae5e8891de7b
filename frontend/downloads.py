"""The page's CSV download: one row per upload and model, in the columns and the format of
`lesion predict`'s CSV (both write with lesion_api.rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from frontend.analysis import Outcome
from frontend.responses import Health, ModelSummary, Prediction
from lesion_api.rows import Row, to_csv

DOWNLOAD_LABEL = "Download answers as CSV"
DOWNLOAD_HELP = (
    "One row per image and model: the seven probabilities, the top class, the model and its "
    "version, the input check's verdict and score, warning codes, and the error of a refused "
    "image; the columns of `lesion predict`'s CSV."
)


@dataclass(frozen=True)
class Answerer:
    """The model a row names: its name and version."""

    name: str
    version: str


def answerer(model: ModelSummary | None, health: Health) -> Answerer:
    """Return the model that answers: `model`, or (None) the only one a backend without /models
    serves, as /health names it."""
    if model is None:
        return Answerer(health.model_name, health.model_version)
    return Answerer(model.name, model.version)


def answer_row(file_name: str, model: Answerer, outcome: Outcome) -> Row:
    """Return the row of one upload's answer from one model, or of the backend's refusal."""
    if isinstance(outcome, Prediction):
        return Row.answered(file_name, model.name, outcome)
    return Row.failed(
        file_name,
        model.name,
        model.version,
        outcome.code or "error",
        outcome.detail or outcome.message,
        file_name,
    )


def offer_download(rows: Sequence[Row]) -> None:
    """Lay out the button that downloads the rows as predictions.csv."""
    st.download_button(
        DOWNLOAD_LABEL,
        to_csv(rows).encode("utf-8"),
        file_name="predictions.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
        help=DOWNLOAD_HELP,
    )
