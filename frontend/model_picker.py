"""Which classifier answers: a picker of the models the backend serves, each labelled with its
held-out balanced accuracy and the service's default preselected (the answer `/predict` gives
without a model, the CLI too), and a switch to show every model's answer side by side."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from frontend.responses import ModelList, ModelSummary

COMPARE_LABEL = "Show every model's answer side by side"


@dataclass(frozen=True)
class Picked:
    """The models whose answers the page shows: one, or every one side by side."""

    models: tuple[ModelSummary | None, ...]  # None: the server's only (or unnamed) model
    compare: bool = False

    @property
    def first(self) -> ModelSummary | None:
        """Return the model whose answer each image's card shows."""
        return self.models[0]


def model_label(model: ModelSummary, default: str) -> str:
    """Return how the picker names a model, e.g. 'resnet_small_2x (default) · balanced accuracy
    0.589 · sees 28×28 px', and whether it uses clinical context."""
    height, width = model.input_size
    accuracy = model.metrics.get("balanced_accuracy")
    figure = "no published figures" if accuracy is None else f"balanced accuracy {accuracy:.3f}"
    mark = " (default)" if model.name == default else ""
    context = " · uses age, sex, site" if model.uses_context else ""
    return f"{model.name}{mark} · {figure} · sees {width}×{height} px{context}"


def most_accurate(catalogue: ModelList) -> ModelSummary | None:
    """Return the model with the highest held-out balanced accuracy (the first of equals), or
    None when none has published figures."""
    rated = [m for m in catalogue.models if m.metrics.get("balanced_accuracy") is not None]
    return max(rated, key=lambda m: m.metrics["balanced_accuracy"], default=None)


def preselection_note(catalogue: ModelList) -> str:
    """Return the line that says which model the picker starts with, and why."""
    default = next((m for m in catalogue.models if m.name == catalogue.default), None)
    accuracy = None if default is None else default.metrics.get("balanced_accuracy")
    figure = (
        "no published figures"
        if accuracy is None
        else f"balanced accuracy {accuracy:.3f} on held-out test images"
    )
    note = (
        f"Preselected: the service's default, {catalogue.default} ({figure}), the answer the "
        "API and the `lesion` command give when no model is named."
    )
    best = most_accurate(catalogue)
    if best is not None and best.name != catalogue.default:
        note += (
            f" The most accurate here on held-out test images is {best.name} (balanced "
            f"accuracy {best.metrics['balanced_accuracy']:.3f})."
        )
    return note


def pick_models(catalogue: ModelList | None) -> Picked:
    """Lay out the model picker and return what it picked; a backend with one model (or one
    older than /models) gets no picker."""
    if catalogue is None or len(catalogue.models) < 2:
        return Picked((catalogue.models[0] if catalogue else None,))
    by_name = {m.name: m for m in catalogue.models}
    first = catalogue.default
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    name = left.selectbox(
        "Model",
        list(by_name),
        index=list(by_name).index(first) if first in by_name else 0,
        format_func=lambda n: model_label(by_name[n], catalogue.default),
        key="model",
        help="Balanced accuracy: the mean of the seven classes' recalls on held-out lesions, "
        "which the model never saw in training (its model card's test part).",
    )
    compare = right.toggle(COMPARE_LABEL, value=False, key="compare")
    st.caption(preselection_note(catalogue))
    if compare:
        others = [m for m in catalogue.models if m.name != name]
        return Picked((by_name[name], *others), compare=True)
    return Picked((by_name[name],))
