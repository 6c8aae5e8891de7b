"""One image's result card: the picture with switchable overlays, its class and its chart."""

from __future__ import annotations

import streamlit as st

from frontend.analysis import LocalizationMemo, Outcome, localize
from frontend.charts import probability_chart
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.input_check import show_input_check
from frontend.overlays import OverlayError, render
from frontend.responses import Localization, Metadata, ModelSummary, Prediction
from frontend.results import percent, probability_frame
from frontend.samples import Sample

OVERLAY_NOTE = (
    "The outline comes from a segmentation model. The heat-map shows which image regions pushed "
    "the model toward the chosen class (Grad-CAM on the model's last feature map: 7×7 cells for "
    "the 28×28 models, 4×5 for the 160×120 one, so it is coarse). Both are research aids, not a "
    "diagnosis."
)
# The heat-map picker's first choice; no class code is spelt like it.
PREDICTED = "predicted"
UNAVAILABLE = "Localisation is unavailable on this server: no lesion outline or heat-map."


def show_outcome(
    client: BackendClient,
    file: ImageFile,
    slot: str,
    outcome: Outcome,
    meta: Metadata,
    memo: LocalizationMemo,
    sample: Sample | None = None,
    model: ModelSummary | None = None,
) -> None:
    """Show one image (widget keys end in `slot`) beside its class, probability, tag and chart,
    as `model` (None: the server's only one) answered."""
    title = sample.image_id if sample is not None else file[0]
    with st.container(border=True):
        if isinstance(outcome, BackendError):
            # The image may not even decode, so show its name rather than the image.
            st.markdown(f"**{title}**")
            st.error(outcome.message)
            return
        left, right = st.columns([1, 2])
        with left:
            show_overlays(client, file, slot, title, meta, memo)
        with right:
            unreliable = show_answer(outcome, model)
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
            probability_chart(probability_frame(outcome, meta.classes), muted=unreliable)
        )


def show_answer(outcome: Prediction, model: ModelSummary | None = None) -> bool:
    """Show the input check's warnings, then the class, its probability and its tag, played
    down when the image is not dermoscopy; return whether it is not."""
    unreliable = show_input_check(outcome.input_check)
    st.subheader(f"{outcome.label_name} ({outcome.label})", anchor=False)
    kind = "Malignant class" if outcome.malignant else "Benign class"
    if unreliable:
        st.caption(f"Probability of this class: {percent(outcome.confidence)} (unreliable)")
        st.badge(f"{kind} (unreliable)", color="gray")
    else:
        st.metric("Probability of this class", percent(outcome.confidence))
        st.badge(
            kind,
            icon="⚠️" if outcome.malignant else None,
            color="red" if outcome.malignant else "green",
        )
    if model is not None:
        st.caption(f"Answered by {model.name}")
    return unreliable


def show_overlays(
    client: BackendClient,
    file: ImageFile,
    slot: str,
    title: str,
    meta: Metadata,
    memo: LocalizationMemo,
) -> None:
    """Show the image with its lesion outline and heat-map, each behind its own toggle."""
    try:
        with st.spinner("Outlining the lesion…"):
            default = localize(client, file, None, memo)
    except BackendError as exc:
        st.image(file[1], caption=title, width="stretch")
        st.warning(f"No lesion outline or heat-map: {exc.message}")
        return
    if default is None:
        st.image(file[1], caption=title, width="stretch")
        st.info(UNAVAILABLE)
        return
    names = {c.code: c.name for c in meta.classes}
    show_outline = st.toggle("Lesion outline and box", value=True, key=f"outline_{slot}")
    chosen = None
    show_heatmap = False
    if default.heatmap is not None:
        show_heatmap = st.toggle("Heat-map", value=True, key=f"heatmap_{slot}")
        choice = st.selectbox(
            "Heat-map explains",
            [PREDICTED, *names],
            format_func=lambda code: names.get(code, "predicted class"),
            key=f"heatmap_class_{slot}",
        )
        chosen = None if choice == PREDICTED else choice
    try:
        shown = default
        if chosen is not None:
            with st.spinner("Computing the heat-map…"):
                # A backend that lost its segmenter since the first answer keeps that answer.
                shown = localize(client, file, chosen, memo) or default
        picture = render(file[1], shown, show_outline, show_heatmap)
    except (BackendError, OverlayError) as exc:
        message = exc.message if isinstance(exc, BackendError) else str(exc)
        st.image(file[1], caption=title, width="stretch")
        st.warning(f"No lesion outline or heat-map: {message}")
        return
    st.image(picture, caption=title, width="stretch")
    st.caption(overlay_caption(shown, show_outline, show_heatmap, names))


def overlay_caption(
    shown: Localization, show_outline: bool, show_heatmap: bool, names: dict[str, str]
) -> str:
    """Return the caption under the image: what the overlays switched on show, and nothing
    about overlays switched off."""
    notes = []
    if show_outline and not shown.lesion.found:
        notes.append("No lesion outline found.")
    if shown.heatmap is None:
        notes.append("The served model gives no heat-map.")
    elif show_heatmap:
        code = shown.heatmap.class_code
        notes.append(f"Heat-map for {names.get(code, code)} ({code}).")
    if show_outline or (show_heatmap and shown.heatmap is not None):
        notes.append(OVERLAY_NOTE)
    else:
        notes.append("Overlays off: the image as uploaded.")
    return " ".join(notes)
