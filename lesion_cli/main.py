"""The `lesion` command: parse the command line, run the command, and turn its errors into a
message and an exit status (2 for a bad command line, path or setting; no traceback)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from lesion_cli.arguments import PredictOptions, parse_args
from lesion_cli.errors import FAILED, CliError


def main(argv: Sequence[str] | None = None) -> int:
    """Run `lesion` with `argv` (default: the process's arguments) and return its exit status."""
    try:
        options = parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage or the help
        return exc.code if isinstance(exc.code, int) else FAILED
    command = "predict" if isinstance(options, PredictOptions) else "score"
    try:
        # Each command imports what it needs only when it runs: `lesion --help` stays quick.
        if isinstance(options, PredictOptions):
            from lesion_cli.predict import run
        else:
            from lesion_cli.score import run
        return run(options)
    except CliError as exc:
        print(f"lesion {command}: error: {exc.message}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:  # the reader of standard output went away (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
