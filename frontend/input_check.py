"""The input check's verdict on one answer, shown above its class: a prominent warning when the
image does not look like dermoscopy, and each quality problem in its own line."""

from __future__ import annotations

import streamlit as st

from frontend.responses import InputCheck

NOT_DERMOSCOPIC_TITLE = "Not a dermoscopic lesion image?"


def show_input_check(check: InputCheck | None) -> bool:
    """Show the check's warnings; return whether the image is not dermoscopy (so the answer below
    is unreliable). A server without the check (None) shows nothing."""
    if check is None:
        return False
    warnings = list(check.warnings)
    if not check.dermoscopic:
        # The service puts its not-dermoscopic sentence first.
        first = warnings.pop(0) if warnings else "The classification below is unreliable."
        st.error(
            f"**{NOT_DERMOSCOPIC_TITLE}** {first} (input check score {check.score:.2f})",
            icon=":material/report:",
        )
    for warning in warnings:
        st.warning(warning, icon="⚠️")
    return not check.dermoscopic
