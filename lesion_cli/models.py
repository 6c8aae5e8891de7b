"""Which model file `--model` names: a shipped classifier by name, or an ONNX file of one's own."""

from __future__ import annotations

from pathlib import Path

from lesion_cli.errors import CliError
from lesion_runtime.model_file import model_name
from lesion_runtime.shipped import ModelChoiceError, shipped_classifiers


def shipped_models() -> dict[str, Path]:
    """Return the shipped classifiers found in models/, by name, the service's default first."""
    try:
        paths, _ = shipped_classifiers()  # in the order the service serves them
    except ModelChoiceError as exc:
        raise CliError(str(exc)) from None
    return {model_name(path): path for path in paths}


def default_model() -> str:
    """Return the name of the classifier the service answers with when none is asked for."""
    return next(iter(shipped_models()))


def is_model_file(choice: str) -> bool:
    """Return whether `--model` names a file rather than a shipped classifier."""
    return bool(Path(choice).suffix) or "/" in choice


def model_path(choice: str | None) -> Path:
    """Return the ONNX file of a shipped classifier's name or of a path (None: the default), or
    raise CliError naming the shipped ones."""
    shipped = shipped_models()
    if choice is None:
        return next(iter(shipped.values()))
    if is_model_file(choice):
        path = Path(choice).expanduser()
        if not path.is_file():
            raise CliError(f"--model {choice}: no such file")
        return path
    if choice not in shipped:
        raise CliError(
            f"--model {choice}: no shipped classifier of that name; use one of "
            f"{', '.join(shipped)}, or the path of an .onnx file"
        )
    return shipped[choice]
