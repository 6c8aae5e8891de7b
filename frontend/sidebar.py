"""The sidebar: the backend's status (asked again every few seconds, so it follows reality), its
limits, and the picked model's version and figures."""

from __future__ import annotations

import time

import streamlit as st

from frontend.client import BackendClient, BackendError
from frontend.responses import Health, Metadata, ModelSummary, held_out_figures

# How often an open page asks /health; a lost or returning backend shows within this time.
CHECK_EVERY_SECONDS = 5
# How the sidebar names /metadata's headline figures.
METRIC_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro-F1",
    "macro_auc": "macro AUC",
    "melanoma_recall": "melanoma recall",
    "ece": "calibration error (ECE)",
}


def init_status() -> None:
    """Create the session state the status check keeps: the last answer, and whether it ever
    succeeded in this session (so a backend that went away is told apart from one never seen)."""
    if "health" not in st.session_state:
        st.session_state.health = None
    if "was_connected" not in st.session_state:
        st.session_state.was_connected = False
    if "stopped_at" not in st.session_state:
        st.session_state.stopped_at = None


def note_stopped(stopped: bool) -> None:
    """Record whether this run of the page stopped on a problem with the backend (and when), so
    that the status check draws the page again once the backend answers."""
    st.session_state.stopped_at = time.monotonic() if stopped else None


def check(client: BackendClient) -> Health | BackendError:
    """Return /health's answer, or the BackendError that says why there is none."""
    try:
        return client.health()
    except BackendError as exc:
        return exc


@st.fragment(run_every=CHECK_EVERY_SECONDS)
def show_status(client: BackendClient, url: str) -> None:
    """Show whether the backend answers; rerun the whole page when that changes."""
    before = st.session_state.health
    now = check(client)
    st.session_state.health = now
    if isinstance(now, Health):
        st.session_state.was_connected = True
        st.success(f"Connected to {url}")
    else:
        st.error(f"Not reachable at {url}")
    if before is not None and _up(before) != _up(now):
        # The page below was drawn for the other state: draw it again for this one.
        st.rerun()
    stopped_at = st.session_state.stopped_at
    if _up(now) and stopped_at is not None and time.monotonic() - stopped_at >= CHECK_EVERY_SECONDS:
        # /health answers but the page stopped on another request (say /metadata timed out):
        # draw it again, at most once per check.
        note_stopped(False)
        st.rerun()


def upload_limit(meta: Metadata) -> str:
    """Return the upload limit as the uploader and the sidebar both state it."""
    return f"up to {meta.max_upload_bytes / 2**20:g} MB per image, the service's limit per request"


def held_out_sentence(name: str, figures: dict[str, float]) -> str:
    """Return model `name`'s figures on held-out lesions in one sentence, as the sidebar and the
    PDF report state them, or that it has none."""
    if not figures:
        return f"{name} has no published figures on held-out lesions yet."
    shown = (f"{METRIC_NAMES.get(k, k)} {v:.3f}" for k, v in figures.items())
    return "On lesions it never saw (the model card's test part): " + ", ".join(shown)


def show_model_facts(meta: Metadata, model: ModelSummary | None, health: Health) -> None:
    """Show the picked `model`'s version and figures on held-out lesions (None: the only model
    of a backend without /models, as /health and /metadata describe it), and the limits."""
    name = model.name if model else health.model_name
    version = model.version if model else health.model_version
    st.caption(f"Model version: `{version}`")
    st.caption(held_out_sentence(name, held_out_figures(meta, model)))
    st.caption(
        f"Limits: {upload_limit(meta)}; {meta.max_files} images per request (the page sends "
        "more in several requests)."
    )


def _up(answer: Health | BackendError) -> bool:
    """Return whether `answer` says the backend is ready."""
    return isinstance(answer, Health)
