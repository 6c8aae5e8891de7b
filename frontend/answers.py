"""Each model's answers: remembered per model version, and shown side by side for comparison."""

from __future__ import annotations

import streamlit as st

from frontend.analysis import LocalizationMemo, Outcome, PredictionMemo, analyse
from frontend.charts import probability_chart
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.model_picker import Picked
from frontend.responses import Metadata, ModelSummary
from frontend.result_card import show_answer
from frontend.results import probability_frame


def init_memos() -> None:
    """Create the session's memos of answers by model version (a changed model starts afresh):
    localisations by image fingerprint and class, and predictions of images the backend could
    not localise."""
    if "localizations" not in st.session_state:
        st.session_state.localizations = {}
    if "predictions" not in st.session_state:
        st.session_state.predictions = {}


def memos_for(model: ModelSummary | None) -> tuple[LocalizationMemo, PredictionMemo]:
    """Return the remembered localisations and predictions of `model` (None: the only model of
    a backend without /models, known by the version /health names)."""
    key = model.version if model is not None else st.session_state.health.model_version
    return (
        st.session_state.localizations.setdefault(key, {}),
        st.session_state.predictions.setdefault(key, {}),
    )


def client_for(client: BackendClient, model: ModelSummary | None) -> BackendClient:
    """Return the client that asks `model` (None: the server's default)."""
    return client.for_model(None if model is None else model.name)


def show_comparison(
    client: BackendClient, file: ImageFile, title: str, picked: Picked, meta: Metadata
) -> list[tuple[ModelSummary | None, Outcome]]:
    """Show every picked model's answer to one image side by side (one request per model);
    return each model's answer, or the error it got."""
    answers: list[tuple[ModelSummary | None, Outcome]] = []
    with st.container(border=True):
        st.markdown(f"**{title}**")
        picture, *columns = st.columns([1] + [2] * len(picked.models))
        try:
            picture.image(file[1], width="stretch")
        except OSError:  # Pillow cannot read it; each model's column says what the backend said
            picture.caption("No preview: the page cannot read this file as an image.")
        codes = {f"{c.name} ({c.code})": c.code for c in meta.classes}
        for column, model in zip(columns, picked.models, strict=True):
            localizations, predictions = memos_for(model)
            with column:
                if model is not None:
                    st.markdown(f"**{model.name}**")
                    accuracy = model.metrics.get("balanced_accuracy")
                    if accuracy is not None:
                        st.caption(f"Balanced accuracy on held-out lesions: {accuracy:.3f}")
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
                    outcome = exc
                answers.append((model, outcome))
                if isinstance(outcome, BackendError):
                    st.error(outcome.message)
                    continue
                unreliable = show_answer(outcome)
                # Class codes only: a narrow column has no room for the full names.
                frame = probability_frame(outcome, meta.classes)
                frame["Class"] = frame["Class"].map(codes)
                st.altair_chart(probability_chart(frame, muted=unreliable))
    return answers
