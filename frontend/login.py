"""The page's optional login: with FRONTEND_PASSWORD set, nothing is shown (not even whether the
service is up) until the password is given; the session remembers it."""

from __future__ import annotations

import hashlib
import hmac

import streamlit as st

LOGIN_TITLE = "Sign in"
WRONG = "That is not the password."


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def require_login(password: str | None) -> None:
    """Return when there is no password or this session gave it; otherwise show the sign-in
    form and end this run of the page."""
    if password is None or st.session_state.get("signed_in"):
        return
    st.subheader(LOGIN_TITLE, anchor=False)
    with st.form("login"):
        given = st.text_input("Password", type="password", key="password")
        sent = st.form_submit_button("Sign in")
    if sent:
        # Digests of equal length, compared in constant time.
        if hmac.compare_digest(_digest(given), _digest(password)):
            st.session_state.signed_in = True
            st.rerun()
        st.error(WRONG)
    st.stop()
