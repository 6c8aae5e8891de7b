"""One answer in words: its class, that class's probability and tag, the probability of a
malignant class, what the model's probabilities mean on held-out images, and how many of an
ensemble's members put its answer first; an image that is not dermoscopy gets its warning first
and none of the reassuring lines."""

from __future__ import annotations

import streamlit as st

from frontend.context_inputs import context_line
from frontend.input_check import show_input_check
from frontend.responses import Agreement, Metadata, ModelSummary, Prediction, held_out_figures
from frontend.results import malignant_probability, percent

# Above this expected calibration error on held-out images, a model's probabilities are not
# read as how often it is right (the calibrated models reach 0.02 to 0.05).
ECE_LIMIT = 0.1
# Each sentence is about the model on its held-out test images, never about this one image.
CALIBRATED = (
    "About the model, not this image: on held-out test images, of the answers it gave with 70%, "
    "about 70% were right (calibration error {ece:.2f})."
)
UNMEASURED = (
    "About the model, not this image: a calibrated probability of 70% would mean that about 70% "
    "of the answers given with it are right on held-out test images; this model's calibration "
    "has not been published yet."
)
POORLY_CALIBRATED = (
    "About the model, not this image: its probabilities are poorly calibrated (calibration "
    "error {ece:.2f} on held-out test images); they do not say how often it is right, so read "
    "them as a ranking only."
)
NOT_DERMOSCOPIC_NOTE = (
    "No agreement or calibration figures: they describe dermoscopic images, and the input "
    "check says this is not one."
)
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


def calibration_note(ece: float | None) -> tuple[str, bool]:
    """Return what a model's probabilities mean given its held-out calibration error (None:
    unknown), and whether they are poorly calibrated."""
    if ece is None:
        return UNMEASURED, False
    if ece > ECE_LIMIT:
        return POORLY_CALIBRATED.format(ece=ece), True
    return CALIBRATED.format(ece=ece), False


def agreement_note(agreement: Agreement, label: str) -> str:
    """Return in one sentence how many of an ensemble's members put its answer `label` (a class
    code) first, and what each gave `label` beside its own top class."""
    count = len(agreement.members)
    members = NUMBER_WORDS.get(count, str(count))
    answers = "; ".join(
        f"{m.model} {label} {percent(m.answer_probability)}"
        + ("" if m.label == label else f" (its top: {m.label} {percent(m.confidence)})")
        for m in agreement.members
    )
    if agreement.agree:
        every = "Both" if count == 2 else f"All {members}"
        return f"{every} members put {label} first: {answers}."
    agreeing = NUMBER_WORDS.get(agreement.agreeing, str(agreement.agreeing))
    verb = "puts" if agreement.agreeing <= 1 else "put"
    return (
        f"{(agreeing if agreement.agreeing else 'none').capitalize()} of its {members} members "
        f"{verb} {label} first: {answers} — treat this answer with more caution."
    )


def answer_context(outcome: Prediction) -> str | None:
    """Return the sentence on the age, sex and site the answer had, or None."""
    context = outcome.context
    if context is None:
        return None
    return context_line(context.model_dump(), context.used)


def show_answer(
    outcome: Prediction, meta: Metadata, model: ModelSummary | None, signed: bool = True
) -> bool:
    """Show the input check's warnings, then the class, its probability and tag, the probability
    of a malignant class, what `model`'s probabilities mean and an ensemble's agreement (and,
    when `signed`, the model's name); play the figures down when the image is not dermoscopy,
    and return whether it is not."""
    unreliable = show_input_check(outcome.input_check)
    st.subheader(f"{outcome.label_name} ({outcome.label})", anchor=False)
    kind = "Malignant class" if outcome.malignant else "Benign class"
    malignant = percent(malignant_probability(outcome, meta.classes))
    codes = ", ".join(c.code for c in meta.classes if c.malignant)
    if unreliable:
        st.caption(f"Probability of this class: {percent(outcome.confidence)} (unreliable)")
        st.badge(f"{kind} (unreliable)", color="gray")
        st.caption(f"Probability of a malignant class ({codes}): {malignant} (unreliable)")
    else:
        with st.container(horizontal=True, gap="large"):
            st.metric("Probability of this class", percent(outcome.confidence))
            st.metric(
                "Probability of a malignant class",
                malignant,
                help=f"The malignant classes' probabilities together: {codes}.",
            )
        st.badge(
            kind,
            icon="⚠️" if outcome.malignant else None,
            color="red" if outcome.malignant else "green",
        )
    if unreliable:
        # Members agreeing, or a well-calibrated model, would read as reassurance here.
        st.caption(NOT_DERMOSCOPIC_NOTE)
    else:
        if outcome.agreement is not None:
            note = agreement_note(outcome.agreement, outcome.label)
            if outcome.agreement.agree:
                st.caption(note)
            else:
                st.warning(note, icon="⚠️")
        meaning, poor = calibration_note(held_out_figures(meta, model).get("ece"))
        if poor:
            st.warning(meaning, icon="⚠️")
        else:
            st.caption(meaning)
    if line := answer_context(outcome):
        st.caption(line)
    if model is not None and signed:
        st.caption(f"Answered by {model.name}")
    return unreliable
