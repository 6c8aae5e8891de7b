"""Optional age, sex and body site per uploaded image: remembered per image (its fingerprint)
while the page is open, sent with its requests, and shown with its answer and in its PDF."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from frontend.analysis import fingerprint
from frontend.client import ImageFile
from lesion_api.requests import MAX_AGE, SEXES, SITE_CHOICES

Context = dict[str, str]  # age, sex and site as the API takes them; only those given
NOT_GIVEN = ""
EXPLAINED = (
    "Age, sex and body site can improve the answer of the models that use them (the model "
    "picker's list says which); leave any of them out. They stay in this page and go to the "
    "service with the image; nothing identifies the patient."
)


def context_inputs(files: Sequence[ImageFile]) -> list[Context]:
    """Lay out age, sex and site inputs for each image; return each image's context (a DICOM
    file's tags fill, at the service, what is left out here)."""
    contexts = []
    with st.expander("Patient and lesion (optional): age, sex, body site"):
        st.caption(EXPLAINED)
        seen: dict[str, int] = {}
        for name, data, _ in files:
            # The same image twice gets inputs of its own each time.
            key = fingerprint(data)[:16]
            seen[key] = seen.get(key, 0) + 1
            key += f"_{seen[key]}" if seen[key] > 1 else ""
            label, age, sex, site = st.columns([3, 2, 2, 3], vertical_alignment="bottom")
            label.markdown(f"**{name}**")
            given_age = age.number_input(
                "Age",
                0,
                MAX_AGE,
                value=None,
                step=1,
                key=f"age_{key}",
                placeholder="not given",
            )
            sexes, sites = (NOT_GIVEN, *SEXES), (NOT_GIVEN, *SITE_CHOICES)
            given_sex = sex.selectbox(
                "Sex",
                sexes,
                key=f"sex_{key}",
                format_func=_shown,
            )
            given_site = site.selectbox(
                "Body site",
                sites,
                key=f"site_{key}",
                format_func=_shown,
            )
            context = {
                "age": "" if given_age is None else str(int(given_age)),
                "sex": given_sex,
                "site": given_site,
            }
            contexts.append({k: v for k, v in context.items() if v})
    return contexts


def _shown(value: str) -> str:
    """Return how a choice reads: itself, or `not given`."""
    return value or "not given"


def context_line(context: dict[str, object] | None, used: bool | None) -> str | None:
    """Return the answer's context in one sentence (None when none was given)."""
    if not context:
        return None
    parts = [
        f"age {context['age']:g}" if context.get("age") is not None else None,
        context.get("sex"),
        context.get("site"),
    ]
    given = ", ".join(str(p) for p in parts if p)
    how = (
        "used by this model"
        if used
        else "not used: this model has no context model, so the answer is from the image alone"
    )
    tags = context.get("from_dicom") or []
    source = f"; {', '.join(tags)} from the DICOM file" if tags else ""
    return f"Context: {given} ({how}{source})."
