"""Read a request's query parameters or form fields into their declared lesion_api type."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

from backend.errors import ApiError

Params = TypeVar("Params", bound=BaseModel)


def parse_params(
    model: type[Params], values: MultiDict[str, str], code: str = "invalid_parameter"
) -> Params:
    """Return `values` as `model` (unknown names ignored), or raise a 400 naming the bad one."""
    try:
        return model.model_validate(values.to_dict())
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise ApiError(
            400, code, f"{name} {first.get('input')!r} is not accepted: {first['msg']}"
        ) from None
