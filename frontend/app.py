"""The Streamlit page: classify one's own dermatoscopic images or a demo sample via the backend."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from frontend.client import BackendClient, BackendError, ImageFile
from frontend.responses import Metadata, Prediction
from frontend.result_card import show_outcome
from frontend.results import LocalizationMemo, classify, summary_frame, to_csv
from frontend.samples import ATTRIBUTION, load_samples
from frontend.settings import Settings, SettingsError

NOTE = (
    "**Research tool, not a diagnosis.** The model was trained on dermatoscopic images from the "
    "HAM10000 dataset. Its probabilities do not replace a clinician's judgement, and other kinds "
    "of photo (phone snapshots without a dermatoscope, clinical close-ups, histology) are outside "
    "what it knows: its answers on them mean nothing."
)

# How the sidebar names /metadata's headline figures.
METRIC_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro-F1",
    "macro_auc": "macro AUC",
    "melanoma_recall": "melanoma recall",
    "ece": "calibration error (ECE)",
}

st.set_page_config(page_title="Skin lesion classifier (research)", page_icon="🔬", layout="wide")
# Predictions by image fingerprint, and localisations by fingerprint and class, for the model
# version they came from.
if "predictions" not in st.session_state:
    st.session_state.predictions = {}
if "localizations" not in st.session_state:
    st.session_state.localizations = {}
if "model_version" not in st.session_state:
    st.session_state.model_version = None


@st.cache_resource
def get_client(base_url: str, connect_timeout: float, read_timeout: float) -> BackendClient:
    """Return one HTTP client (and its connection pool) per backend address."""
    return BackendClient(base_url, connect_timeout, read_timeout)


def stop_with(message: str) -> NoReturn:
    """Show a plain-language problem with a way to try again, and end this run of the page."""
    st.error(message)
    st.button("Try again", key="retry")
    st.stop()


def show_uploads(
    client: BackendClient,
    meta: Metadata,
    memo: dict[str, Prediction],
    localizations: LocalizationMemo,
) -> None:
    """Lay out the uploader and the results for the images uploaded."""
    uploads = st.file_uploader(
        f"Dermatoscopic images (JPEG or PNG, up to {meta.max_upload_bytes / 2**20:g} MB each)",
        type=["jpg", "jpeg", "png"],
        accept_multiple_files=True,
        key="uploads",
    )
    if not uploads:
        st.caption(
            "Add one or several images; each gets its own answer. No image at hand? "
            "Try the **Demo samples** tab."
        )
        return
    files: list[ImageFile] = [(u.name, u.getvalue(), u.type or "image/jpeg") for u in uploads]
    with st.spinner(f"Classifying {len(files)} image(s)…"):
        try:
            outcomes = classify(client, files, meta.max_files, meta.max_upload_bytes, memo)
        except BackendError as exc:
            stop_with(exc.message)
    names = [f[0] for f in files]
    if len(files) > 1:
        table = summary_frame(names, outcomes, meta.classes)
        percent_columns = ["Probability", *(c.code for c in meta.classes)]
        st.dataframe(
            table,
            hide_index=True,
            key="results_table",
            column_config={
                name: st.column_config.NumberColumn(format="percent") for name in percent_columns
            },
        )
        st.download_button(
            "Download table as CSV",
            to_csv(table),
            file_name="predictions.csv",
            mime="text/csv",
            key="download_csv",
            on_click="ignore",
        )
    for i, (file, outcome) in enumerate(zip(files, outcomes, strict=True)):
        show_outcome(client, file, f"upload{i}", outcome, meta, localizations)


def show_samples(
    client: BackendClient,
    meta: Metadata,
    memo: dict[str, Prediction],
    localizations: LocalizationMemo,
) -> None:
    """Lay out the demo sample picker and the chosen sample's result."""
    samples = {s.image_id: s for s in load_samples()}
    if not samples:
        st.info("No demo samples found in the samples/ folder.")
        return
    names = {c.code: c.name for c in meta.classes}
    chosen = st.selectbox(
        "Demo image",
        list(samples),
        index=None,
        key="sample",
        placeholder="Choose a sample image to classify",
        format_func=lambda i: f"{i} (dataset label: {names.get(samples[i].dx, samples[i].dx)})",
    )
    st.caption(ATTRIBUTION)
    if chosen is None:
        return
    sample = samples[chosen]
    file = (sample.path.name, sample.path.read_bytes(), "image/jpeg")
    with st.spinner("Classifying…"):
        try:
            [outcome] = classify(client, [file], meta.max_files, meta.max_upload_bytes, memo)
        except BackendError as exc:
            stop_with(exc.message)
    show_outcome(client, file, "sample", outcome, meta, localizations, sample)


st.title("Skin lesion classifier")
st.warning(NOTE, icon="⚠️")

try:
    settings = Settings.from_env()
except SettingsError as exc:
    stop_with(f"The page is misconfigured: {exc}.")
client = get_client(settings.backend_url, settings.connect_timeout, settings.read_timeout)

st.sidebar.header("Backend")
try:
    health = client.health()
    meta = client.metadata()
except BackendError as exc:
    st.sidebar.error(f"Not reachable at {settings.backend_url}")
    stop_with(exc.message)
st.sidebar.success(f"Connected to {settings.backend_url}")
st.sidebar.caption(f"Model version: `{health.model_version}`")
st.sidebar.caption(
    f"Limits: {meta.max_upload_bytes / 2**20:g} MB per request, {meta.max_files} images per "
    "request (larger uploads are sent in several requests)."
)
if meta.metrics and meta.metrics.get("test"):
    test = meta.metrics["test"]
    st.sidebar.caption(
        "On lesions it never saw (the model card's test part): "
        + ", ".join(
            f"{METRIC_NAMES.get(k, k)} {v:.3f}"
            for k, v in test.items()
            if isinstance(v, int | float)
        )
    )
if st.session_state.model_version != health.model_version:
    st.session_state.predictions = {}
    st.session_state.localizations = {}
    st.session_state.model_version = health.model_version

own, demo = st.tabs(["Your images", "Demo samples"])
with own:
    show_uploads(client, meta, st.session_state.predictions, st.session_state.localizations)
with demo:
    show_samples(client, meta, st.session_state.predictions, st.session_state.localizations)
