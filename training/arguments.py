"""Turn a settings dataclass of `option()` fields into an argparse parser, and parse a command
line into checked settings (the rules every training CLI follows: training.cli)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

# TensorFlow reads this when it loads: 2 keeps its C++ INFO and WARNING lines off the console
# (errors still show). A value the user set wins.
TF_LOG_LEVEL = "2"

Settings = TypeVar("Settings")
METAVARS = {Path: "PATH", int: "N", float: "X", str: "TEXT"}  # how usage lines name values


class SettingsError(ValueError):
    """A command-line setting is out of range or names something missing; says how to fix it."""


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    choices: tuple | list | None = None,
    shown: str | None = None,
    positional: bool = False,
) -> Any:
    """Return a dataclass field that `parse` turns into a command-line argument."""
    if not help:
        raise TypeError("every option needs a help text")
    metadata = {"help": help, "choices": choices, "shown": shown, "positional": positional}
    return dataclasses.field(default=default, metadata=metadata)


def build_parser(
    settings_type: type, prog: str | None = None, description: str | None = None
) -> argparse.ArgumentParser:
    """Return the argparse parser for a settings dataclass made of `option()` fields."""
    fields = dataclasses.fields(settings_type)
    # A short usage line, so that a usage error's message is not lost below a screen of flags.
    positionals = [f.name for f in fields if f.metadata["positional"]]
    usage = " ".join(["%(prog)s", *positionals, "[options]"])
    parser = argparse.ArgumentParser(prog=prog, usage=usage, description=description)
    hints = typing.get_type_hints(settings_type)
    for field in fields:
        parser.add_argument(*_names(field), **_argument(field, hints[field.name]))
    return parser


def parse(
    settings_type: type[Settings],
    argv: list[str] | None = None,
    prog: str | None = None,
    description: str | None = None,
) -> Settings:
    """Return the checked settings from `argv`; exit with status 2 and a usage message on a bad
    one (status 0 after --help)."""
    parser = build_parser(settings_type, prog, description)
    values = vars(parser.parse_args(argv))
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    try:
        settings = settings_type(**values)
        check = getattr(settings, "check", None)
        if check is not None:
            check()
    except SettingsError as exc:
        parser.error(str(exc))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)  # main() may load TF next
    return settings


def flag(name: str) -> str:
    """Return the command-line spelling of a settings field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def _names(field: dataclasses.Field) -> list[str]:
    return [field.name] if field.metadata["positional"] else [flag(field.name)]


def _argument(field: dataclasses.Field, hint: Any) -> dict:
    """Return add_argument's keywords for one field: type, default, help with the default."""
    meta = field.metadata
    required = field.default is dataclasses.MISSING
    kind, many = _base_type(hint)
    if kind is bool:
        if field.default is not False:
            raise TypeError(f"{field.name}: a flag must default to False")
        return {"action": "store_true", "help": f"{meta['help']} (default: off)"}
    shown = meta["shown"] or (None if required else str(field.default))
    help_text = meta["help"] + (f" (default: {shown})" if shown else "")
    argument: dict = {"type": kind, "help": help_text}
    if not meta["positional"]:
        argument["metavar"] = METAVARS.get(kind)
    if meta["choices"] is not None:
        argument["choices"] = list(meta["choices"])
        argument["metavar"] = "{" + ",".join(meta["choices"]) + "}"
    if many:
        argument["nargs"] = "+"
    if required and not meta["positional"]:
        argument["required"] = True
    if not required:
        argument["default"] = field.default
    return argument


def _base_type(hint: Any) -> tuple[type, bool]:
    """Return (the type each value is converted to, whether the field takes several values)."""
    if isinstance(hint, types.UnionType):  # X | None
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) is tuple:  # tuple[X, ...]
        return typing.get_args(hint)[0], True
    return hint, False
