"""Which classifier answers: a picker of the models the backend serves, each labelled with its
held-out balanced accuracy, and a switch to show every model's answer side by side."""

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
    0.589 · sees 28×28 px'."""
    height, width = model.input_size
    accuracy = model.metrics.get("balanced_accuracy")
    figure = "no published figures" if accuracy is None else f"balanced accuracy {accuracy:.3f}"
    mark = " (default)" if model.name == default else ""
    return f"{model.name}{mark} · {figure} · sees {width}×{height} px"


def pick_models(catalogue: ModelList | None) -> Picked:
    """Lay out the model picker and return what it picked; a backend with one model (or one
    older than /models) gets no picker."""
    if catalogue is None or len(catalogue.models) < 2:
        return Picked((catalogue.models[0] if catalogue else None,))
    by_name = {m.name: m for m in catalogue.models}
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    name = left.selectbox(
        "Model",
        list(by_name),
        index=list(by_name).index(catalogue.default) if catalogue.default in by_name else 0,
        format_func=lambda n: model_label(by_name[n], catalogue.default),
        key="model",
        help="Balanced accuracy: the mean of the seven classes' recalls on held-out lesions, "
        "which the model never saw in training (its model card's test part).",
    )
    compare = right.toggle(COMPARE_LABEL, value=False, key="compare")
    if compare:
        others = [m for m in catalogue.models if m.name != name]
        return Picked((by_name[name], *others), compare=True)
    return Picked((by_name[name],))
