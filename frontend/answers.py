"""Each model's answers: remembered per model version, and shown side by side for comparison."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from frontend.analysis import LocalizationMemo, Outcome, PredictionMemo, analyse
from frontend.answer_summary import show_answer
from frontend.charts import CODE_LABEL_WIDTH, probability_chart
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.model_picker import Picked
from frontend.overlays import OverlayError, open_upload
from frontend.responses import Metadata, ModelSummary, Prediction
from frontend.result_card import chart_key
from frontend.results import probability_frame

# Models side by side in one row: more leaves each a column too narrow to read at 1280 px.
MODELS_PER_ROW = 3


def init_memos() -> None:
    """Create the session's memos of answers by model version (a changed model starts afresh):
    localizations by image fingerprint and class, and predictions of images the backend could
    not localize."""
    if "localizations" not in st.session_state:
        st.session_state.localizations = {}
    if "predictions" not in st.session_state:
        st.session_state.predictions = {}


def memos_for(
    model: ModelSummary | None, context: Mapping[str, str] | None = None
) -> tuple[LocalizationMemo, PredictionMemo]:
    """Return the remembered localizations and predictions of `model` (None: the only model of
    a backend without /models, known by the version /health names) given `context`."""
    version = model.version if model is not None else st.session_state.health.model_version
    key = version + "".join(f"|{k}={v}" for k, v in sorted((context or {}).items()) if v)
    return (
        st.session_state.localizations.setdefault(key, {}),
        st.session_state.predictions.setdefault(key, {}),
    )


def client_for(client: BackendClient, model: ModelSummary | None) -> BackendClient:
    """Return the client that asks `model` (None: the server's default)."""
    return client.for_model(None if model is None else model.name)


def show_comparison(
    client: BackendClient, file: ImageFile, slot: str, title: str, picked: Picked, meta: Metadata
) -> list[tuple[ModelSummary | None, Outcome]]:
    """Show every picked model's answer to one image (chart keys end in `slot`) side by side,
    MODELS_PER_ROW to a row, one request per model, each row's charts in a row of their own so
    that they line up; return each model's answer, or the error it got."""
    answers: list[tuple[ModelSummary | None, Outcome]] = []
    rows = [
        picked.models[i : i + MODELS_PER_ROW] for i in range(0, len(picked.models), MODELS_PER_ROW)
    ]
    widths = [1] + [2] * len(rows[0])
    codes = {f"{c.name} ({c.code})": c.code for c in meta.classes}
    with st.container(border=True):
        st.markdown(f"**{title}**")
        for row, models in enumerate(rows):
            # Every row has the first row's columns, so that its answers line up with those above.
            picture, *columns = st.columns(widths)
            if row == 0:
                try:
                    picture.image(open_upload(file[1]), width="stretch")
                except OverlayError:  # each model's column says what the service made of it
                    picture.caption("No preview: the page cannot read this file as an image.")
            charts: list[tuple[ModelSummary | None, Prediction, bool] | None] = []
            for column, model in zip(columns, models, strict=False):
                with column:
                    outcome = _answer(client, file, model, meta)
                    answers.append((model, outcome))
                    if isinstance(outcome, BackendError):
                        st.error(outcome.message)
                        charts.append(None)
                        continue
                    charts.append((model, outcome, show_answer(outcome, meta, model, signed=False)))
            # The row's charts in a row of their own, so that they line up.
            _, *chart_columns = st.columns(widths)
            for column, chart in zip(chart_columns, charts, strict=False):
                if chart is None:
                    continue
                model, outcome, unreliable = chart
                # Class codes only: a narrow column has no room for the full names.
                frame = probability_frame(outcome, meta.classes)
                frame["Class"] = frame["Class"].map(codes)
                column.altair_chart(
                    probability_chart(frame, muted=unreliable, label_width=CODE_LABEL_WIDTH),
                    key=chart_key(f"compare_{slot}", model, file),
                )
    return answers


def _answer(
    client: BackendClient, file: ImageFile, model: ModelSummary | None, meta: Metadata
) -> Outcome:
    """Show `model`'s name and balanced accuracy; return its answer to `file`, or its error."""
    if model is not None:
        st.markdown(f"**{model.name}**")
        accuracy = model.metrics.get("balanced_accuracy")
        if accuracy is not None:
            st.caption(f"Balanced accuracy on held-out lesions: {accuracy:.3f}")
    localizations, predictions = memos_for(model, client.context)
    try:
        [outcome] = analyse(
            client_for(client, model),
            [file],
            meta.max_files,
            meta.max_upload_bytes,
            localizations,
            predictions,
        )
    except BackendError as exc:
        return exc
    return outcome
