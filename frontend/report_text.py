"""The words of one answer in the PDF report, in the page's own phrasing: the class, its
probability and tag, the probability of a malignant class, the input check, an ensemble's
agreement and what the model's probabilities mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from frontend.answer_summary import (
    NOT_DERMOSCOPIC_NOTE,
    agreement_note,
    answer_context,
    calibration_note,
)
from frontend.report_chart import Bar
from frontend.responses import InputCheck, LesionClass, Prediction
from frontend.results import malignant_probability, percent, probability_frame, verdict

UNRELIABLE = " (unreliable)"
NO_CHECK = "Input check: not run by this server."


@dataclass(frozen=True)
class AnswerText:
    """One answer in words: a heading, its lines, the input check's lines, and whether the
    answer is unreliable (the image is not dermoscopy)."""

    heading: str
    lines: list[str]
    check: list[str]
    unreliable: bool


def answer_text(
    prediction: Prediction, classes: Sequence[LesionClass], ece: float | None
) -> AnswerText:
    """Return `prediction` in words, with what a model of calibration error `ece` (None:
    unknown) means by its probabilities."""
    check = prediction.input_check
    unreliable = check is not None and not check.dermoscopic
    mark = UNRELIABLE if unreliable else ""
    kind = "Malignant class" if prediction.malignant else "Benign class"
    codes = ", ".join(c.code for c in classes if c.malignant)
    malignant = percent(malignant_probability(prediction, classes))
    lines = [
        f"{kind}{mark}",
        f"Probability of this class: {percent(prediction.confidence)}{mark}",
        f"Probability of a malignant class ({codes}): {malignant}{mark}",
    ]
    if line := answer_context(prediction):
        lines.append(line)
    if unreliable:
        lines.append(NOT_DERMOSCOPIC_NOTE)
    else:
        if prediction.agreement is not None:
            lines.append(agreement_note(prediction.agreement, prediction.label))
        lines.append(calibration_note(ece)[0])
    return AnswerText(
        f"{prediction.label_name} ({prediction.label})", lines, check_lines(check), unreliable
    )


def check_lines(check: InputCheck | None) -> list[str]:
    """Return the input check's verdict (with its score) and then each of its warnings."""
    if check is None:
        return [NO_CHECK]
    return [f"Input check: {verdict(check)} (score {check.score:.2f})", *check.warnings]


def bars(prediction: Prediction, classes: Sequence[LesionClass]) -> list[Bar]:
    """Return the chart's bars: every class of `prediction`, most probable first."""
    frame = probability_frame(prediction, classes)
    return [
        Bar(row["Class"], float(row["Probability (%)"]), row["Type"] == "malignant")
        for _, row in frame.iterrows()
    ]
