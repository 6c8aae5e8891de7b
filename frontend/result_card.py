"""One image's result card: the picture with switchable overlays, its answer, its chart and its
PDF report."""

from __future__ import annotations

import streamlit as st

from frontend.analysis import LocalizationMemo, Outcome, fingerprint
from frontend.answer_summary import show_answer
from frontend.charts import probability_chart
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.overlay_panel import as_uploaded, show_overlays
from frontend.report import ReportPage
from frontend.report_buttons import offer_report, report_model, report_page
from frontend.responses import Health, Metadata, ModelSummary
from frontend.results import probability_frame
from frontend.samples import Sample


def chart_key(slot: str, model: ModelSummary | None, file: ImageFile) -> str:
    """Return the key of one answer's chart: a new chart for another model or image, never the
    last one redrawn with new data."""
    return f"chart_{slot}_{model.name if model else ''}_{fingerprint(file[1])[:16]}"


def show_outcome(
    client: BackendClient,
    file: ImageFile,
    slot: str,
    outcome: Outcome,
    meta: Metadata,
    memo: LocalizationMemo,
    health: Health,
    sample: Sample | None = None,
    model: ModelSummary | None = None,
) -> ReportPage:
    """Show one image (widget keys end in `slot`) beside its class, probability, tag, chart and
    report button, as `model` (None: the server's only one, as `health` names it) answered;
    return its page of the PDF report."""
    title = sample.image_id if sample is not None else file[0]
    signer = report_model(model, health, meta)
    with st.container(border=True):
        if isinstance(outcome, BackendError):
            # The image may not even decode, so show its name rather than the image.
            st.markdown(f"**{title}**")
            st.error(outcome.message)
            return report_page(file, as_uploaded(file[1], ""), outcome, signer, meta)
        left, right = st.columns(2, gap="medium")
        with left:
            shown = show_overlays(client, file, slot, title, meta, memo)
        with right:
            unreliable = show_answer(outcome, meta, model)
        height, width = model.input_size if model else (meta.input_size, meta.input_size)
        shape = (
            "its aspect ratio not kept"
            if height == width
            else "stretched to that shape if it has another"
        )
        right.caption(
            f"What the model sees: this image shrunk to {width}×{height} pixels, {shape}, so "
            "fine detail of a large photo does not reach it."
        )
        if sample is not None:
            names = {c.code: c.name for c in meta.classes}
            seen = (
                "The shipped model was trained on this lesion, so a right answer proves little."
                if sample.seen_in_training
                else "This lesion is in the shipped model's held-out test part."
            )
            right.markdown(
                f"Dataset label: **{names.get(sample.dx, sample.dx)} ({sample.dx})**, "
                f"confirmed by {sample.confirmation}. {seen}"
            )
        st.altair_chart(
            probability_chart(probability_frame(outcome, meta.classes), muted=unreliable),
            key=chart_key(slot, model, file),
        )
        page = report_page(file, shown, outcome, signer, meta)
        offer_report(page, f"report_{slot}")
    return page
