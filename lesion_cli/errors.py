"""The one error the command line turns into a message and an exit status."""

from __future__ import annotations

USAGE = 2  # what argparse answers a bad command line with: bad paths and settings too
FAILED = 1  # the run started and could not finish (e.g. the service went away)


class CliError(Exception):
    """A problem the user can fix, with the message to show and the exit status."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
