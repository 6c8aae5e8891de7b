"""The base of every shape on the wire."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """An immutable request or response shape.

    Fields with defaults stay optional for parsing (an older server may lack them), while the
    generated document lists every field the server sends as required. Unknown fields are
    ignored, so a newer server's extra fields do not break an older page.
    """

    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=True)
