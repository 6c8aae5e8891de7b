"""The sidebar's backend status: asked again every few seconds, so it follows reality."""

from __future__ import annotations

import streamlit as st

from frontend.client import BackendClient, BackendError
from frontend.responses import Health

# How often an open page asks /health; a lost or returning backend shows within this time.
CHECK_EVERY_SECONDS = 5


def init_status() -> None:
    """Create the session state the status check keeps: the last answer, and whether it ever
    succeeded in this session (so a backend that went away is told apart from one never seen)."""
    if "health" not in st.session_state:
        st.session_state.health = None
    if "was_connected" not in st.session_state:
        st.session_state.was_connected = False


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
        st.caption(f"Model version: `{now.model_version}`")
    else:
        st.error(f"Not reachable at {url}")
    if before is not None and _up(before) != _up(now):
        # The page below was drawn for the other state: draw it again for this one.
        st.rerun()


def _up(answer: Health | BackendError) -> bool:
    """Return whether `answer` says the backend is ready."""
    return isinstance(answer, Health)
