"""The model in a worker: an ONNX Runtime session, loaded once and warmed up."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lesion_core.colour_constancy import SHADES_OF_GRAY, corrected
from lesion_core.context import Context
from lesion_core.labels import CLASS_CODES
from lesion_core.size import Size
from lesion_runtime.context_head import load_context_head
from lesion_runtime.model_file import ModelLoadError, load_model, read_sidecar
from lesion_runtime.onnx_names import CLASS_ACTIVATIONS, MEMBER_PROBABILITIES

log = logging.getLogger(__name__)

Inputs = np.ndarray | Sequence[np.ndarray]  # one uint8 batch per model input


class Explained(NamedTuple):
    """A model's answer with what it looked at: probabilities, activation maps and, for an
    ensemble, its members' probabilities."""

    probabilities: np.ndarray
    activations: np.ndarray
    members: np.ndarray | None


@dataclass
class ModelInfo:
    """What the service says about the model it serves."""

    name: str
    version: str
    path: Path
    input_size: Size  # the first input's
    config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    input_sizes: list[Size] = field(default_factory=list)  # one per input (an ensemble's members)
    members: list[str] = field(default_factory=list)  # an ensemble's members, in output order
    uses_context: bool = False  # whether a context model (context.json) sits beside it


class Predictor:
    """Load an exported classifier (training.export) and turn uint8 batches into probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        model = load_model(model_path, inference_threads)
        session = model.session
        tensors = session.get_inputs()
        sizes = [model.image_size(tensor, "model") for tensor in tensors]
        outputs = {o.name: o for o in session.get_outputs()}
        # The class probabilities: the only output, or the one beside the activation maps
        # (and, for an ensemble, its members' probabilities).
        extra = (CLASS_ACTIVATIONS, MEMBER_PROBABILITIES)
        output = next((o for o in outputs.values() if o.name not in extra), None)
        if output is None or output.shape[-1] != len(CLASS_CODES):
            found = "none" if output is None else output.shape[-1]
            raise ModelLoadError(
                f"model {model_path} has {found} outputs, not {len(CLASS_CODES)} "
                f"({', '.join(CLASS_CODES)})"
            )

        self._session = session
        self._inputs = [tensor.name for tensor in tensors]
        self._output = output.name
        # Models ending in global average pooling carry their class activation maps too.
        self._activations = CLASS_ACTIVATIONS if CLASS_ACTIVATIONS in outputs else None
        self._members = MEMBER_PROBABILITIES if MEMBER_PROBABILITIES in outputs else None
        config = model.config
        # A model trained on colour-corrected images gets its inputs corrected the same way.
        self.colour_constancy = config.get("colour_constancy")
        if self.colour_constancy not in (None, SHADES_OF_GRAY):
            raise ModelLoadError(
                f"model {model_path}: unknown colour_constancy {self.colour_constancy!r} in "
                f"its config.json (known: {SHADES_OF_GRAY})"
            )
        self.info = ModelInfo(
            name=model.name,
            version=model.version,
            path=model_path,
            input_size=sizes[0],
            config=config,
            metrics=read_sidecar(model_path, "metrics.json"),
            input_sizes=sizes,
            members=[m["name"] for m in config.get("members", [])] if self._members else [],
        )
        self.context_head = load_context_head(model_path, self.info.version)
        self.info.uses_context = self.context_head is not None
        self.ready = False
        self.warm_up()

    @property
    def explains(self) -> bool:
        """Whether the model can say which regions pushed it toward a class (a heat-map)."""
        return self._activations is not None

    @property
    def sizes(self) -> list[Size]:
        """Return the size of each of the model's inputs (one for a classifier, one per member
        for an ensemble)."""
        return self.info.input_sizes

    def warm_up(self) -> None:
        """Run batch sizes 1 and many once, and mark the predictor ready."""
        for batch in (1, 4):
            self.predict([np.zeros((batch, *s.shape, 3), dtype=np.uint8) for s in self.sizes])
        self.ready = True

    def _feed(self, inputs: Inputs) -> dict[str, np.ndarray]:
        batches = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
        batches = [corrected(batch, self.colour_constancy) for batch in batches]
        return dict(zip(self._inputs, batches, strict=True))

    def predict(self, inputs: Inputs) -> np.ndarray:
        """Return (N, 7) float64 probabilities for (N, height, width, 3) uint8 images: one batch
        per input, or one array for a one-input model."""
        (probabilities,) = self._session.run([self._output], self._feed(inputs))
        return probabilities.astype(np.float64)

    def with_context(
        self, probabilities: np.ndarray, contexts: Sequence[Context]
    ) -> tuple[np.ndarray, list[bool]]:
        """Return the (N, 7) probabilities moved by each image's context, and for each whether
        its context was used (something given, and a context model to use it)."""
        used = [self.context_head is not None and c.given for c in contexts]
        if not any(used):
            return probabilities, used
        moved = self.context_head.adjust(probabilities, contexts)
        return np.where(np.array(used)[:, None], moved, probabilities), used

    def predict_members(self, inputs: Inputs) -> tuple[np.ndarray, np.ndarray | None]:
        """Return `predict`'s probabilities and, for an ensemble, its members' (N, members, 7)
        probabilities (None for a single classifier)."""
        if self._members is None:
            return self.predict(inputs), None
        probabilities, members = self._session.run(
            [self._output, self._members], self._feed(inputs)
        )
        return probabilities.astype(np.float64), members.astype(np.float64)

    def predict_explained(self, inputs: Inputs) -> Explained:
        """Return (N, 7) probabilities, (N, h, w, 7) class activation maps and an ensemble's
        members' probabilities (else None) for one batch per input; raise ValueError for a model
        that has no activation output."""
        if self._activations is None:
            raise ValueError(f"{self.info.name} has no class activation output")
        names = [self._output, self._activations, *([self._members] if self._members else [])]
        probabilities, activations, *members = self._session.run(names, self._feed(inputs))
        return Explained(
            probabilities.astype(np.float64),
            activations,
            members[0].astype(np.float64) if members else None,
        )
