"""One image with its overlays: the lesion outline and box and the heat-map, each behind its own
toggle, and a caption that says what the overlays shown mean; the PDF report gets the same."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from PIL import Image

from frontend.analysis import LocalizationMemo, localize
from frontend.client import BackendClient, BackendError, ImageFile
from frontend.overlays import (
    BOX_COLOUR_NAME,
    OUTLINE_COLOUR_NAME,
    OverlayError,
    open_upload,
    render,
)
from frontend.responses import Localization, Metadata

OUTLINE_LEGEND = (
    f"{OUTLINE_COLOUR_NAME.capitalize()} line: the lesion's outline, from a segmentation model; "
    f"{BOX_COLOUR_NAME} rectangle: its box."
)
HEATMAP_NOTE = (
    "The heat-map shows which image regions pushed the model toward that class (Grad-CAM on the "
    "model's last feature map: 7×7 cells for the 28×28 models, 4×5 for the 160×120 one, 6×7 for "
    "the 224×168 one and the ensemble, so it is coarse)."
)
NO_HEATMAP = "This model gives no heat-map."
NOT_DERMOSCOPIC_OVERLAYS = (
    "No lesion outline or heat-map: the input check says this is not a dermoscopic lesion "
    "image, so an outline or the regions the model looked at in it would mean nothing."
)
RESEARCH_AIDS = "The overlays are research aids, not a diagnosis."
OVERLAYS_OFF = "Overlays off: the image as uploaded."
# The heat-map picker's first choice; no class code is spelt like it.
PREDICTED = "predicted"
UNAVAILABLE = "Localization is unavailable on this server: no lesion outline or heat-map."
NO_OVERLAYS = "No lesion outline or heat-map: {reason}"


@dataclass(frozen=True)
class Shown:
    """What a card shows of one upload: the picture (None: it cannot be read here) and the note
    under it."""

    picture: Image.Image | None
    note: str


def as_uploaded(upload: bytes, note: str) -> Shown:
    """Return the upload without overlays, with `note`, or no picture where it cannot be read."""
    try:
        return Shown(open_upload(upload), note)
    except OverlayError:
        return Shown(None, note)


def overlaid(
    upload: bytes,
    shown: Localization,
    show_outline: bool,
    show_heatmap: bool,
    names: dict[str, str],
) -> Shown:
    """Return the upload with the overlays of `shown` that are switched on, and their caption;
    never an outline or a heat-map on an image the input check calls not dermoscopic. Raises
    OverlayError."""
    check = shown.prediction.input_check
    dermoscopic = check is None or check.dermoscopic
    outlined, heated = show_outline and dermoscopic, show_heatmap and dermoscopic
    return Shown(
        render(upload, shown, outlined, heated),
        overlay_caption(shown, outlined, heated, names, dermoscopic),
    )


def show_overlays(
    client: BackendClient,
    file: ImageFile,
    slot: str,
    title: str,
    meta: Metadata,
    memo: LocalizationMemo,
) -> Shown:
    """Show the image with its lesion outline and heat-map, each behind its own toggle (an image
    the input check calls not dermoscopic gets neither); return what is shown."""
    try:
        with st.spinner("Outlining the lesion…"):
            default = localize(client, file, None, memo)
    except BackendError as exc:
        show_upload(file[1], title)
        st.warning(NO_OVERLAYS.format(reason=exc.message))
        return as_uploaded(file[1], NO_OVERLAYS.format(reason=exc.message))
    if default is None:
        show_upload(file[1], title)
        st.info(UNAVAILABLE)
        return as_uploaded(file[1], UNAVAILABLE)
    names = {c.code: c.name for c in meta.classes}
    check = default.prediction.input_check
    dermoscopic = check is None or check.dermoscopic
    show_outline = dermoscopic and st.toggle(
        "Lesion outline and box", value=True, key=f"outline_{slot}"
    )
    chosen = None
    show_heatmap = False
    if default.heatmap is not None and dermoscopic:
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
        result = overlaid(file[1], shown, show_outline, show_heatmap, names)
    except (BackendError, OverlayError) as exc:
        message = exc.message if isinstance(exc, BackendError) else str(exc)
        show_upload(file[1], title)
        st.warning(NO_OVERLAYS.format(reason=message))
        return as_uploaded(file[1], NO_OVERLAYS.format(reason=message))
    st.image(result.picture, caption=title, width="stretch")
    st.caption(result.note)
    return result


def overlay_caption(
    shown: Localization,
    show_outline: bool,
    show_heatmap: bool,
    names: dict[str, str],
    dermoscopic: bool = True,
) -> str:
    """Return the caption under the image: a legend of the overlays drawn and what they mean,
    why there is no heat-map where there is none, and nothing about overlays switched off."""
    if not dermoscopic:
        return NOT_DERMOSCOPIC_OVERLAYS
    notes = []
    outlined = show_outline and shown.lesion.found
    if show_outline:
        notes.append(OUTLINE_LEGEND if outlined else "No lesion outline found.")
    heated = show_heatmap and shown.heatmap is not None
    if shown.heatmap is None:
        notes.append(NO_HEATMAP)
    elif heated:
        code = shown.heatmap.class_code
        notes.append(f"Heat-map for {names.get(code, code)} ({code}). {HEATMAP_NOTE}")
    if outlined or heated:
        notes.append(RESEARCH_AIDS)
    elif not (show_outline or show_heatmap):
        notes.append(OVERLAYS_OFF)
    return " ".join(notes)


def show_upload(upload: bytes, title: str) -> None:
    """Show the upload as it came (a DICOM file's pixels), or say it cannot be shown."""
    try:
        st.image(open_upload(upload), caption=title, width="stretch")
    except OverlayError as exc:
        st.caption(f"{title}: no picture ({exc}).")
