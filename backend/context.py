"""The clinical context of a request: the age, sex and site its parameters give (merged per
image with a DICOM upload's tags by lesion_runtime.image_context)."""

from __future__ import annotations

from backend.errors import ApiError
from lesion_api.requests import ContextChoice
from lesion_core.context import Context, ContextError, parse_context


def request_context(params: ContextChoice) -> Context:
    """Return the context a request's parameters give, or raise a 400 naming the bad field."""
    try:
        return parse_context(params.age, params.sex, params.site)
    except ContextError as exc:
        raise ApiError(400, f"invalid_{exc.field}", str(exc)) from None
