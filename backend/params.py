"""Read a request's parameters, given as query parameters or form fields, into their declared
lesion_api type: names the route does not take, and values that disagree, are refused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

from backend.errors import ApiError

Params = TypeVar("Params", bound=BaseModel)


def accepted_names(model: type[BaseModel]) -> list[str]:
    """Return the names a request type takes, as they are spelt on the wire."""
    return [field.alias or name for name, field in model.model_fields.items()]


def parse_params(
    model: type[Params], values: MultiDict[str, str], codes: Mapping[str, str] | None = None
) -> Params:
    """Return `values` as `model`, or raise a 400 naming the bad one, with its code in `codes`
    (invalid_parameter when it has none there)."""
    try:
        return model.model_validate(values.to_dict())
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0])  # the parameter, not the part of its type that failed
        code = (codes or {}).get(name, "invalid_parameter")
        raise ApiError(
            400, code, f"{name} {first.get('input')!r} is not accepted: {first['msg']}"
        ) from None


def refuse_unknown(
    route: str,
    model: type[BaseModel],
    query: Iterable[str],
    form: Iterable[str],
    upload: str | None = None,
) -> None:
    """Raise a 400 naming the query parameters and form fields that `route` does not take and
    listing those it does; `upload` names its image field, which is no parameter."""
    accepted = accepted_names(model)
    unknown = [f"{name!r} (query parameter)" for name in query if name not in accepted] + [
        f"{name!r} (form field)" for name in form if name not in (*accepted, upload)
    ]
    if not unknown:
        return
    takes = ", ".join(accepted) or "no parameters"
    where = f"(query parameters or form fields) and images in form field {upload!r}"
    raise ApiError(
        400,
        "unknown_parameter",
        f"{route} does not take {', '.join(unknown)}; it takes {takes} "
        + (where if upload else "(query parameters)"),
    )


def agreed(query: MultiDict[str, str], form: MultiDict[str, str]) -> MultiDict[str, str]:
    """Return each parameter's one value, or raise a 400 naming the values when the query and
    the form (or one of them, repeating a name) give different ones."""
    seen: dict[str, dict[str, str]] = {}  # name → each value → where it came first
    for where, values in (("query", query), ("form", form)):
        for name, value in values.items(multi=True):
            seen.setdefault(name, {}).setdefault(value, where)
    for name, values in seen.items():
        if len(values) > 1:
            given = " and ".join(f"{value!r} ({where})" for value, where in values.items())
            raise ApiError(
                400,
                "conflicting_parameters",
                f"{name} is given as {given}; send one value, in the query or in the form",
            )
    return MultiDict([(name, next(iter(values))) for name, values in seen.items()])
