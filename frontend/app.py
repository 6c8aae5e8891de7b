"""The Streamlit page: classify one's own dermatoscopic images or a demo sample via the backend."""

from __future__ import annotations

import math
from typing import NoReturn

import streamlit as st

from frontend.analysis import PART_OVERHEAD_BYTES, analyse
from frontend.answers import client_for, init_memos, memos_for, show_comparison
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.context_inputs import context_inputs
from frontend.downloads import answer_row, answerer, offer_download
from frontend.login import require_login
from frontend.model_picker import Picked, pick_models
from frontend.notice import NOTE
from frontend.report_buttons import offer_batch_report
from frontend.responses import Health, Metadata
from frontend.result_card import show_outcome
from frontend.results import summary_frame, summary_table
from frontend.samples import ATTRIBUTION, load_samples
from frontend.settings import Settings, SettingsError
from frontend.sidebar import (
    init_status,
    note_stopped,
    show_model_facts,
    show_status,
    upload_limit,
)

st.set_page_config(page_title="Skin lesion classifier (research)", page_icon="🔬", layout="wide")
init_status()
init_memos()


@st.cache_resource
def get_client(
    base_url: str, connect_timeout: float, read_timeout: float, api_key: str | None
) -> BackendClient:
    """Return one HTTP client per backend address (and API key)."""
    return BackendClient(base_url, connect_timeout, read_timeout, api_key=api_key)


def stop_with(message: str) -> NoReturn:
    """Show a plain-language problem with a way to try again, and end this run of the page."""
    st.error(message)
    st.button("Try again", key="retry")
    st.stop()


def format_names(meta: Metadata) -> str:
    """Return the accepted formats in words, e.g. 'JPEG, PNG or BMP'."""
    names = [f.name for f in meta.formats] or [e.upper() for e in meta.accepted_extensions]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def show_uploads(client: BackendClient, meta: Metadata, picked: Picked, health: Health) -> None:
    """Lay out the uploader and the results for the images uploaded, with their CSV and PDF
    downloads."""
    limit_mb = meta.max_upload_bytes / 2**20
    # Any file is taken: one the service cannot read (a .txt dropped with the images) gets its
    # own card and CSV row saying why, where a type filter would drop it without a word.
    uploads = st.file_uploader(
        f"Dermatoscopic images ({format_names(meta)}, {upload_limit(meta)})",
        accept_multiple_files=True,
        # What the service takes, rounded up to whole MB: the browser refuses a larger file
        # before it reaches the page's server, which never holds more than it can pass on.
        max_upload_size=math.ceil(limit_mb),
        key="uploads",
    )
    if not uploads:
        st.caption(
            "Add one or several images; each gets its own answer. A file over "
            f"{math.ceil(limit_mb)} MB is refused where it is dropped (a red mark): shrink it, "
            "or save it as JPEG. No image at hand? Try the **Demo samples** tab."
        )
        return
    if len(uploads) > meta.max_files:
        st.error(
            f"{len(uploads)} files added: the service takes up to {meta.max_files} at a time. "
            f"Only the first {meta.max_files} are classified; remove some to choose others."
        )
        uploads = uploads[: meta.max_files]
    files: list[ImageFile] = []
    for upload in uploads:
        if upload.size + PART_OVERHEAD_BYTES > meta.max_upload_bytes:
            st.error(
                f"{upload.name} is {upload.size / 2**20:.1f} MB: the service takes images of up "
                f"to {limit_mb:g} MB. Shrink it (or save it as JPEG) and add it again."
            )
        else:
            files.append((upload.name, upload.getvalue(), upload.type or "image/jpeg"))
    if not files:
        return
    contexts = context_inputs(files)
    if picked.compare:
        download = st.container()  # above the answers, filled once they are in
        rows = [
            answer_row(file[0], answerer(model, health), outcome)
            for i, file in enumerate(files)
            for model, outcome in show_comparison(
                client.with_context(contexts[i]), file, f"upload{i}", file[0], picked, meta
            )
        ]
        with download:
            offer_download(rows)
        return
    model_client = client_for(client, picked.first)
    outcomes: list = [None] * len(files)
    groups: dict[tuple, list[int]] = {}
    for i, context in enumerate(contexts):
        groups.setdefault(tuple(sorted(context.items())), []).append(i)
    with st.spinner(f"Classifying {len(files)} image(s)…"):
        for shared, indices in groups.items():  # one context per request
            localizations, predictions = memos_for(picked.first, dict(shared))
            try:
                answered = analyse(
                    model_client.with_context(dict(shared)),
                    [files[i] for i in indices],
                    meta.max_files,
                    meta.max_upload_bytes,
                    localizations,
                    predictions,
                )
            except BackendError as exc:
                stop_with(exc.message)
            for i, outcome in zip(indices, answered, strict=True):
                outcomes[i] = outcome
    if len(files) > 1:
        table = summary_frame([f[0] for f in files], outcomes, meta.classes)
        st.table(summary_table(table, [c.code for c in meta.classes]), hide_index=True)
    model = answerer(picked.first, health)
    downloads = st.container(horizontal=True)  # above the answers, filled once they are in
    pages = [
        show_outcome(
            model_client.with_context(contexts[i]),
            file,
            f"upload{i}",
            outcome,
            meta,
            memos_for(picked.first, contexts[i])[0],  # its localizations, by model and context
            health,
            model=picked.first,
        )
        for i, (file, outcome) in enumerate(zip(files, outcomes, strict=True))
    ]
    with downloads:
        offer_download([answer_row(f[0], model, o) for f, o in zip(files, outcomes, strict=True)])
        offer_batch_report(pages)


def show_samples(client: BackendClient, meta: Metadata, picked: Picked, health: Health) -> None:
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
    if picked.compare:
        show_comparison(client, file, "sample", sample.image_id, picked, meta)
        return
    localizations, predictions = memos_for(picked.first)
    client = client_for(client, picked.first)
    with st.spinner("Classifying…"):
        try:
            [outcome] = analyse(
                client, [file], meta.max_files, meta.max_upload_bytes, localizations, predictions
            )
        except BackendError as exc:
            stop_with(exc.message)
    show_outcome(client, file, "sample", outcome, meta, localizations, health, sample, picked.first)


# The uploader's own small print names Streamlit's 200 MB ceiling, not the service's limit; the
# uploader's label states the real limit and formats, so hide the misleading line.
st.html("<style>[data-testid='stFileUploaderDropzoneInstructions'] {display: none}</style>")
st.title("Skin lesion classifier")
st.warning(NOTE, icon="⚠️")

try:
    settings = Settings.from_env()
except SettingsError as exc:
    stop_with(f"The page is misconfigured: {exc}.")
require_login(settings.password)
client = get_client(
    settings.backend_url, settings.connect_timeout, settings.read_timeout, settings.api_key
)

with st.sidebar:
    st.header("Backend")
    show_status(client, settings.backend_url)
health = st.session_state.health
problem = health if isinstance(health, BackendError) else None
if problem is None:
    try:
        meta = client.metadata()
        catalogue = client.models()
    except BackendError as exc:
        problem = exc
note_stopped(problem is not None)
if problem is not None:
    if st.session_state.was_connected:
        stop_with(
            "The classification service has gone away: it answered earlier and does not now. "
            f"{problem.message} This page checks again every few seconds and carries on by "
            "itself once the service is back."
        )
    stop_with(problem.message)
assert isinstance(health, Health)
picked = pick_models(catalogue)
with st.sidebar:
    show_model_facts(meta, picked.first, health)
own, demo = st.tabs(["Your images", "Demo samples"])
with own:
    show_uploads(client, meta, picked, health)
with demo:
    show_samples(client, meta, picked, health)
