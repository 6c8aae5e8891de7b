"""The PDF report's download buttons: one on each answer's card, and one for the whole batch
beside the CSV's. A report is built when its button is clicked, from what the page already shows;
it asks the backend nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import PurePath

import streamlit as st

from frontend.analysis import Outcome, fingerprint
from frontend.client import ImageFile
from frontend.downloads import answerer
from frontend.overlay_panel import Shown
from frontend.report import ReportModel, ReportPage, build_report
from frontend.responses import Health, Metadata, ModelSummary, Prediction, held_out_figures

REPORT_LABEL = "Download report (PDF)"
BATCH_REPORT_LABEL = "Download reports as PDF"
REPORT_HELP = (
    "One A4 page for the patient's record: the image with the overlays shown here, the answer "
    "and its chart, the input check, the model and its figures on held-out lesions, the file's "
    "name and SHA-256, the date, and the research-use notice."
)
BATCH_REPORT_HELP = "One PDF with a page per image, each as its card's own report."
BATCH_REPORT_KEY = "download_report"
PDF = "application/pdf"
ICON = ":material/picture_as_pdf:"


def report_model(model: ModelSummary | None, health: Health, meta: Metadata) -> ReportModel:
    """Return the model that answers (None: a backend's only one, as /health names it), with
    its held-out figures as the sidebar shows them."""
    signer = answerer(model, health)
    return ReportModel(signer.name, signer.version, held_out_figures(meta, model))


def report_page(
    file: ImageFile, shown: Shown, outcome: Outcome, model: ReportModel, meta: Metadata
) -> ReportPage:
    """Return one upload's page: `shown` is the picture and note its card shows."""
    answer = outcome if isinstance(outcome, Prediction) else outcome.message
    return ReportPage(
        file[0], fingerprint(file[1]), shown.picture, shown.note, answer, model, meta.classes
    )


def report_name(file_name: str) -> str:
    """Return the name a card's report is saved under, e.g. 'lesion_report.pdf'."""
    return f"{PurePath(file_name).stem or 'image'}_report.pdf"


def offer_report(page: ReportPage, key: str) -> None:
    """Lay out a card's button that downloads its one-page report."""
    st.download_button(
        REPORT_LABEL,
        _dated([page]),
        file_name=report_name(page.file_name),
        mime=PDF,
        key=key,
        on_click="ignore",
        help=REPORT_HELP,
        icon=ICON,
    )


def offer_batch_report(pages: Sequence[ReportPage]) -> None:
    """Lay out the button that downloads every upload's report, a page each, as one PDF."""
    st.download_button(
        BATCH_REPORT_LABEL,
        _dated(pages),
        file_name="reports.pdf",
        mime=PDF,
        key=BATCH_REPORT_KEY,
        on_click="ignore",
        help=BATCH_REPORT_HELP,
        icon=ICON,
    )


def _dated(pages: Sequence[ReportPage]) -> Callable[[], bytes]:
    """Return what builds the report of `pages` when its button is clicked, dated then: the page
    script does not build PDFs nobody asks for."""
    kept = list(pages)
    return lambda: build_report(kept, datetime.now().astimezone())
