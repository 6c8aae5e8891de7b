"""The one error shape every refusal takes, whole requests and single files alike."""

from __future__ import annotations

from pydantic import Field

from lesion_api.base import WireModel


class ErrorDetail(WireModel):
    """What went wrong: a stable machine code and a sentence for people."""

    code: str = Field(description="stable, machine-readable, e.g. invalid_image")
    message: str = Field(description="what is wrong and how to fix it, for people")


class ErrorBody(WireModel):
    """Every error answer: {"error": {"code", "message"}}."""

    error: ErrorDetail

    @classmethod
    def of(cls, code: str, message: str) -> ErrorBody:
        """Return the error body for `code` and `message`."""
        return cls(error=ErrorDetail(code=code, message=message))
