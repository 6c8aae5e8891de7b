"""Tabulate predictions for the page: one image's classes, and one row per image for several.
The CSV download has rows of its own (frontend.downloads)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from frontend.analysis import Outcome
from frontend.responses import InputCheck, LesionClass, Prediction

# Every probability the page prints has this one precision: "60.0%", never "60%" or "60.02%"
# (and no space, so a narrow table column does not break "60.0" from its "%").
PERCENT_FORMAT = "{:.1f}%"
REFUSED_COLOUR = "color: #b03a2e"


def percent(probability: float) -> str:
    """Return a probability as a percentage with one decimal, e.g. '71.3%'."""
    return PERCENT_FORMAT.format(probability * 100)


def malignant_probability(prediction: Prediction, classes: Sequence[LesionClass]) -> float:
    """Return the probability that the lesion is of a malignant class: their sum."""
    return sum(prediction.probabilities.get(c.code, 0.0) for c in classes if c.malignant)


def probability_frame(prediction: Prediction, classes: Sequence[LesionClass]) -> pd.DataFrame:
    """Return one row per class (name, code, probability in %), most probable first."""
    rows = [
        {
            "Class": f"{c.name} ({c.code})",
            "Probability (%)": 100 * prediction.probabilities[c.code],
            "Type": "malignant" if c.malignant else "benign",
        }
        for c in classes
        if c.code in prediction.probabilities
    ]
    frame = pd.DataFrame(rows, columns=["Class", "Probability (%)", "Type"])
    return frame.sort_values("Probability (%)", ascending=False, kind="stable", ignore_index=True)


def summary_frame(
    names: Sequence[str], outcomes: Sequence[Outcome], classes: Sequence[LesionClass]
) -> pd.DataFrame:
    """Return one row per image: its top class, probability, tag, the input check's verdict, all
    seven probabilities (0–1) and, for an image the backend refused, the reason in full."""
    codes = [c.code for c in classes]
    columns = [
        "Image",
        "Predicted class",
        "Code",
        "Probability",
        "Tag",
        "Input check",
        *codes,
        "Error",
    ]
    rows = []
    for name, outcome in zip(names, outcomes, strict=True):
        row: dict[str, object] = {"Image": name}
        if isinstance(outcome, Prediction):
            row |= {
                "Predicted class": outcome.label_name,
                "Code": outcome.label,
                "Probability": outcome.confidence,
                "Tag": "malignant" if outcome.malignant else "benign",
                "Input check": verdict(outcome.input_check),
            }
            row |= {code: outcome.probabilities.get(code, 0.0) for code in codes}
        else:
            row["Error"] = outcome.message
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def verdict(check: InputCheck | None) -> str | None:
    """Return the input check's verdict in a few words, or None from a server without it."""
    if check is None:
        return None
    if not check.dermoscopic:
        return "not dermoscopic: unreliable"
    if check.warning_codes:
        return "quality: " + ", ".join(code.replace("_", " ") for code in check.warning_codes)
    if check.warnings:  # a server that gives no codes
        return f"quality: {len(check.warnings)} warning" + ("s" if len(check.warnings) > 1 else "")
    return "passed"


def summary_table(frame: pd.DataFrame, codes: Sequence[str]) -> Styler:
    """Return `summary_frame`'s table as the page shows it: percentages with one decimal, the
    class as "name (code)", and a refused image's reason in full in place of its class, in red."""
    refused = frame["Error"].notna()
    shown = frame.assign(
        **{
            "Predicted class": (frame["Predicted class"] + " (" + frame["Code"] + ")").where(
                ~refused, frame["Error"].astype(str)
            )
        }
    ).drop(columns=["Code", "Error"])
    percents = ["Probability", *codes]
    return (
        shown.style.format(percent, subset=percents, na_rep="")
        .format(na_rep="", subset=["Tag", "Input check"])
        .apply(lambda row: [REFUSED_COLOUR if refused[row.name] else ""] * len(row), axis=1)
    )
