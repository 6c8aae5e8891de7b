"""The OpenAPI 3.1 document, generated from the lesion_api types that each route declares.

A route is documented by decorating its view with `@documented(Operation(...))`: its query
parameters and upload form are lesion_api request types, and each status it answers names the
lesion_api type of its body. Routes without the decorator are left out of the document (a test
insists that every route has one). Pydantic writes the JSON schemas; this module only places
them where OpenAPI wants them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.auth import PUBLIC_PATHS
from backend.formats import ACCEPTED_MEDIA_TYPES
from backend.settings import Settings
from lesion_api.errors import ErrorBody

REF_TEMPLATE = "#/components/schemas/{model}"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reply:
    """One status an operation answers: what it means, and the lesion_api type of its body."""

    description: str
    body: type[BaseModel] | None = None  # None: a body the document does not describe further
    media_type: str = "application/json"


@dataclass(frozen=True)
class Operation:
    """What the document says about one route.

    `description` may name {formats}, {max_upload_mb}, {max_files} and {max_image_pixels}; they
    are filled in from the settings the server runs with.
    """

    summary: str
    responses: Mapping[int, Reply]
    description: str = ""
    query: type[BaseModel] | None = None  # its fields are the query parameters
    upload: type[BaseModel] | None = None  # the multipart form; a raw image body also works


# Answers any operation may give besides its own (a check that runs before every route adds its
# status here).
COMMON_RESPONSES: dict[int, Reply] = {}
# With API_KEYS or RATE_LIMIT set, every operation outside PUBLIC_PATHS may also answer these.
UNAUTHORIZED = Reply(
    "missing_api_key or invalid_api_key: send Authorization: Bearer <key>", ErrorBody
)
RATE_LIMITED = Reply("rate_limited: over RATE_LIMIT; Retry-After says when to retry", ErrorBody)
BEARER = {"apiKey": {"type": "http", "scheme": "bearer", "description": "one of API_KEYS"}}


def documented(operation: Operation) -> Callable[[View], View]:
    """Return a decorator that attaches `operation` to a view, for the document to find."""

    def attach(view: View) -> View:
        view.openapi_operation = operation  # type: ignore[attr-defined]
        return view

    return attach


def operations(app: Flask) -> dict[tuple[str, str], Operation | None]:
    """Return each (path, lower-case method) the app serves, with its Operation or None."""
    found: dict[tuple[str, str], Operation | None] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found[(rule.rule, method.lower())] = getattr(view, "openapi_operation", None)
    return found


def _without_null(schema: dict) -> dict:
    """Return an optional field's schema without its null branch: leaving it out means null."""
    every = schema.get("anyOf", [])
    branches = [s for s in every if s != {"type": "null"}]
    if len(branches) == len(every):
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**branches[0], **rest} if len(branches) == 1 else {"anyOf": branches, **rest}


def _fields(
    model: type[BaseModel], choices: Mapping[str, list[str]]
) -> tuple[dict[str, dict], list[str]]:
    """Return a request type's field schemas (by their names on the wire) and its required ones;
    a field named in `choices` takes only those values (e.g. the names of the models loaded)."""
    schema = model.model_json_schema(by_alias=True, ref_template=REF_TEMPLATE)
    properties = {
        name: _without_null({k: v for k, v in prop.items() if k != "title"})
        | ({"enum": choices[name]} if name in choices else {})
        for name, prop in schema.get("properties", {}).items()
    }
    return properties, schema.get("required", [])


def _parameters(query: type[BaseModel], choices: Mapping[str, list[str]]) -> list[dict]:
    """Return the OpenAPI query parameters of a request type."""
    properties, required = _fields(query, choices)
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.pop("description", ""),
            "schema": prop,
        }
        for name, prop in properties.items()
    ]


def _upload_body(form: type[BaseModel], choices: Mapping[str, list[str]]) -> dict:
    """Return a request body of images: the multipart `form`, or one raw image body."""
    properties, required = _fields(form, choices)
    # The server refuses a field the form does not declare (backend.params.refuse_unknown).
    multipart = {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }
    binary = {"type": "string", "format": "binary", "minLength": 1}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": multipart,
                "encoding": {"file": {"contentType": ", ".join(ACCEPTED_MEDIA_TYPES)}},
            },
            **{media_type: {"schema": binary} for media_type in ACCEPTED_MEDIA_TYPES},
        },
    }


def _response(reply: Reply, refs: Mapping[type[BaseModel], dict]) -> dict:
    """Return one OpenAPI response object."""
    schema = refs[reply.body] if reply.body is not None else {}
    return {"description": reply.description, "content": {reply.media_type: {"schema": schema}}}


def _guards(settings: Settings) -> dict[int, Reply]:
    """Return the answers the configured API keys and rate limit add to guarded operations."""
    guards = {}
    if settings.api_keys:
        guards[401] = UNAUTHORIZED
    if settings.rate_limit:
        guards[429] = RATE_LIMITED
    return guards


def openapi_document(app: Flask, settings: Settings) -> dict:
    """Return the OpenAPI document of every documented route, with the configured limits."""
    documented_operations = {key: op for key, op in operations(app).items() if op is not None}
    guards = _guards(settings)
    replies = [
        reply
        for op in documented_operations.values()
        for reply in [*op.responses.values(), *COMMON_RESPONSES.values(), *guards.values()]
    ]
    bodies = list(dict.fromkeys(r.body for r in replies if r.body is not None))
    ref_of, definitions = models_json_schema(
        [(body, "serialization") for body in bodies], ref_template=REF_TEMPLATE
    )
    refs = {body: ref_of[(body, "serialization")] for body in bodies}
    limits = {
        "formats": ", ".join(ACCEPTED_MEDIA_TYPES),
        "max_upload_mb": f"{settings.max_upload_bytes / 1024 / 1024:g}",
        "max_files": settings.max_files,
        "max_image_pixels": f"{settings.max_image_pixels:,}",
    }
    # A request may name only the models this server loaded.
    classifiers = app.extensions.get("classifiers")
    choices = {"model": classifiers.names} if classifiers is not None else {}
    paths: dict[str, dict] = {}
    for (path, method), op in sorted(documented_operations.items()):
        entry: dict[str, Any] = {"summary": op.summary}
        if op.description:
            entry["description"] = op.description.format(**limits)
        if op.query is not None:
            entry["parameters"] = _parameters(op.query, choices)
        if op.upload is not None:
            entry["requestBody"] = _upload_body(op.upload, choices)
        guarded = path not in PUBLIC_PATHS
        if guarded and settings.api_keys:
            entry["security"] = [{"apiKey": []}]
        answers = {**COMMON_RESPONSES, **(guards if guarded else {}), **op.responses}
        entry["responses"] = {
            str(status): _response(answers[status], refs) for status in sorted(answers)
        }
        paths.setdefault(path, {})[method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skin-lesion classifier",
            "version": "1",
            "description": "Classifies dermatoscopic images into the seven HAM10000 classes. "
            "A research tool, not a diagnosis.",
            "license": {"name": "Apache-2.0 (code); model weights CC BY-NC 4.0 (HAM10000)"},
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            **({"securitySchemes": BEARER} if settings.api_keys else {}),
        },
    }
