"""The research-use notice: the page shows it above everything, and every PDF report prints it."""

from __future__ import annotations

NOTICE_TITLE = "Research tool, not a diagnosis."
NOTICE_BODY = (
    "The models were trained on dermatoscopic images (HAM10000; some also on MILK10k and ISIC "
    "2017). Their probabilities do not replace a clinician's judgement, and other kinds of photo "
    "(phone snapshots without a dermatoscope, clinical close-ups, histology) are outside what "
    "they know: their answers on them mean nothing."
)
# As the page shows it, in Markdown.
NOTE = f"**{NOTICE_TITLE}** {NOTICE_BODY}"
