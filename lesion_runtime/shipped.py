"""Where the shipped models lie, and which classifier answers when nobody names one.

The service (backend.settings, which lets MODEL_PATHS and DEFAULT_MODEL change it), the CLI and
the benchmarks all read this one list.
"""

from __future__ import annotations

from pathlib import Path

from lesion_runtime.model_file import model_name

MODELS = Path(__file__).resolve().parent.parent / "models"
# The shipped classifiers, the default first: the most accurate one served (the ensemble; its
# model.onnx is assembled by `make install`, `make run` and the backend image's build), then the
# paper's 28x28 pipeline (resnet_small_2x, paper_cnn) and the ensemble's high-resolution members.
# Each is picked with ?model=NAME.
SHIPPED_MODEL_PATHS = (
    MODELS / "ensemble" / "model.onnx",
    MODELS / "resnet_small_2x" / "model.onnx",
    MODELS / "paper_cnn" / "model.onnx",
    MODELS / "efficientnet_lite0" / "model.onnx",
    MODELS / "efficientnet_lite1" / "model.onnx",
)
DEFAULT_MODEL_PATH = SHIPPED_MODEL_PATHS[0]
DEFAULT_SEGMENTER_PATH = MODELS / "lesion_segmenter" / "model.onnx"
DEFAULT_INPUT_CHECK_PATH = MODELS / "input_check" / "model.onnx"


class ModelChoiceError(ValueError):
    """No shipped classifier is there, or the one asked for as the default is not served."""


def shipped_classifiers() -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Return the shipped classifiers found, in order, and those whose file is missing; raise
    ModelChoiceError when none is found."""
    found = tuple(p for p in SHIPPED_MODEL_PATHS if p.is_file())
    if not found:
        raise ModelChoiceError(f"no shipped classifier found under {MODELS}")
    return found, tuple(p for p in SHIPPED_MODEL_PATHS if not p.is_file())


def default_first(paths: tuple[Path, ...], default: str) -> tuple[Path, ...]:
    """Return `paths` with the classifier named `default` first (""/unset: as they are), or
    raise ModelChoiceError naming the served ones."""
    if not default:
        return paths
    names = [model_name(path) for path in paths]
    if default not in names:
        raise ModelChoiceError(f"{default!r} is not served here; use one of {', '.join(names)}")
    chosen = paths[names.index(default)]
    return (chosen, *(p for p in paths if p != chosen))
