"""The PDF report: one A4 page per upload, for a patient's record, built from plain data (no
backend, no browser, no network). Each page has the image as the page showed it, the answer, the
probability chart, the input check, the model and its held-out figures, the file's name and
SHA-256, the date, and the research-use notice."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PIL import Image
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from frontend.notice import NOTICE_BODY, NOTICE_TITLE
from frontend.report_chart import BAR_HEIGHT, chart_height, draw_chart
from frontend.report_text import answer_text, bars
from frontend.responses import LesionClass, Prediction
from frontend.sidebar import held_out_sentence

TITLE = "Skin lesion classifier: report on one image (research use)"
MARGIN = 40
PICTURE_SIDE = 260  # points: the picture fits a square this wide
GUTTER = 20
# Embedded pictures are JPEGs at most this many pixels on a side: sharp in print at this size,
# and a page of a large upload stays small.
PICTURE_PIXELS = 1200
INK = HexColor("#222222")
GREY = HexColor("#666666")
NOTICE_FILL = HexColor("#fff6d5")
REFUSED = HexColor("#b03a2e")


@dataclass(frozen=True)
class ReportModel:
    """The model that answered: its name, version and figures on held-out lesions."""

    name: str
    version: str
    figures: dict[str, float]


@dataclass(frozen=True)
class ReportPage:
    """One upload's page: the file, the picture as shown (None: unreadable) and the note under
    it, the answer (or why the backend refused the upload), the model and the classes."""

    file_name: str
    sha256: str
    picture: Image.Image | None
    picture_note: str
    answer: Prediction | str
    model: ReportModel
    classes: tuple[LesionClass, ...]


class _Writer:
    """Wrapped text on a canvas, top down from `y`, in a column at `x` `width` points wide."""

    def __init__(self, canvas: Canvas, x: float, y: float, width: float) -> None:
        self.canvas, self.x, self.y, self.width = canvas, x, y, width

    def text(
        self, text: str, size: float = 9, font: str = "Helvetica", colour: Color = INK
    ) -> None:
        """Write `text`, wrapped to the column, and move below it."""
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(colour)
        for line in simpleSplit(text, font, size, self.width):
            self.y -= size * 1.25
            self.canvas.drawString(self.x, self.y, line)

    def gap(self, points: float) -> None:
        """Leave `points` of space."""
        self.y -= points


def build_report(pages: Sequence[ReportPage], made: datetime) -> bytes:
    """Return a PDF with one A4 page per item of `pages`, dated `made`."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(TITLE if len(pages) == 1 else f"{TITLE}, {len(pages)} images")
    canvas.setAuthor("Skin lesion classifier (research)")
    canvas.setSubject(NOTICE_TITLE)
    for number, page in enumerate(pages, start=1):
        _draw_page(canvas, page, made, f"Page {number} of {len(pages)}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_page(canvas: Canvas, page: ReportPage, made: datetime, count: str) -> None:
    """Draw one upload's page."""
    width, height = A4
    inner = width - 2 * MARGIN
    head = _Writer(canvas, MARGIN, height - MARGIN + 12, inner)
    head.text(TITLE, 13, "Helvetica-Bold")
    head.text(f"Report made {made:%Y-%m-%d %H:%M:%S %Z}".rstrip(), 8.5, colour=GREY)
    head.text(f"Image file: {page.file_name}", 9)
    head.text(f"SHA-256: {page.sha256}", 8.5, "Courier")
    head.gap(6)
    _notice(canvas, head)
    top = head.y - 10
    picture_bottom = _picture(canvas, page, MARGIN, top)
    side = _Writer(canvas, MARGIN + PICTURE_SIDE + GUTTER, top + 12, inner - PICTURE_SIDE - GUTTER)
    muted = _answer(side, page)
    below = _Writer(canvas, MARGIN, min(picture_bottom, side.y) - 8, inner)
    if isinstance(page.answer, Prediction) and page.classes:
        below.text("Probabilities of all seven classes", 10, "Helvetica-Bold")
        drawn = bars(page.answer, page.classes)
        # Room for the model's lines and the footer below; a crowded page gets thinner bars.
        room = below.y - 14 - MARGIN - 60
        bar_height = max(6.0, min(BAR_HEIGHT, (room - chart_height(len(drawn), 0)) / len(drawn)))
        below.y = draw_chart(canvas, drawn, MARGIN, below.y - 8, inner, muted, bar_height)
    below.gap(6)
    below.text(f"Model: {page.model.name}, version {page.model.version}", 9, "Helvetica-Bold")
    below.text(held_out_sentence(page.model.name, page.model.figures), 8.5)
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(GREY)
    room = inner - stringWidth(count, "Helvetica", 7.5) - 20
    canvas.drawString(MARGIN, MARGIN - 16, _cut(f"{page.file_name} · {NOTICE_TITLE}", room))
    canvas.drawRightString(width - MARGIN, MARGIN - 16, count)


def _cut(text: str, width: float, font: str = "Helvetica", size: float = 7.5) -> str:
    """Return `text`, cut short with an ellipsis to fit `width` points on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _notice(canvas: Canvas, writer: _Writer) -> None:
    """Write the research-use notice on a tinted band."""
    lines = simpleSplit(NOTICE_BODY, "Helvetica", 8.5, writer.width - 12)
    band = 8.5 * 1.25 * (len(lines) + 1) + 10
    canvas.setFillColor(NOTICE_FILL)
    canvas.rect(writer.x, writer.y - band, writer.width, band, stroke=0, fill=1)
    inset = _Writer(canvas, writer.x + 6, writer.y - 4, writer.width - 12)
    inset.text(NOTICE_TITLE, 8.5, "Helvetica-Bold")
    inset.text(NOTICE_BODY, 8.5)
    writer.gap(band)


def _picture(canvas: Canvas, page: ReportPage, x: float, top: float) -> float:
    """Draw the picture in a square under `top`, and its note below; return the bottom's y."""
    writer = _Writer(canvas, x, top - PICTURE_SIDE, PICTURE_SIDE)
    if page.picture is None:
        writer.y = top
        writer.text("No picture: this file cannot be read as an image.", 9, colour=GREY)
    else:
        shrunk = page.picture.convert("RGB")
        shrunk.thumbnail((PICTURE_PIXELS, PICTURE_PIXELS))
        jpeg = io.BytesIO()
        shrunk.save(jpeg, format="JPEG", quality=90)
        scale = PICTURE_SIDE / max(shrunk.size)
        w, h = shrunk.width * scale, shrunk.height * scale
        canvas.drawImage(ImageReader(jpeg), x, top - h, w, h)
        writer.y = top - h
    writer.text(page.picture_note, 7.5, colour=GREY)
    return writer.y


def _check(writer: _Writer, check: list[str], unreliable: bool) -> None:
    """Write the input check's verdict and then each of its warnings."""
    first, *warnings = check
    writer.text(first, 9, "Helvetica-Bold", REFUSED if unreliable else INK)
    for warning in warnings:
        writer.text(f"- {warning}", 8.5)


def _answer(writer: _Writer, page: ReportPage) -> bool:
    """Write the answer beside the picture; return whether it is unreliable."""
    if not isinstance(page.answer, Prediction):
        writer.text("No answer", 14, "Helvetica-Bold", REFUSED)
        writer.text(page.answer, 9, colour=REFUSED)
        return False
    text = answer_text(page.answer, page.classes, page.model.figures.get("ece"))
    if text.unreliable:  # the warning leads, above the class it makes unreliable
        _check(writer, text.check, unreliable=True)
        writer.gap(6)
    writer.text(text.heading, 14, "Helvetica-Bold", GREY if text.unreliable else INK)
    writer.gap(2)
    for line in text.lines:
        writer.text(line, 9)
        writer.gap(2)
    if not text.unreliable:
        writer.gap(4)
        _check(writer, text.check, unreliable=False)
    return text.unreliable
