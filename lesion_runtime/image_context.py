"""One image's clinical context: what the caller gave, merged with what a DICOM file's tags
say (the caller wins), and how an answer reports it."""

from __future__ import annotations

from typing import NamedTuple

from lesion_api.predictions import ContextUsed
from lesion_core.context import FIELDS, Context


class DicomContext(NamedTuple):
    """What a DICOM upload's tags gave, and which of the fields they gave."""

    context: Context
    fields: tuple[str, ...]


def merged(request: Context | None, dicom: DicomContext | None) -> tuple[Context, tuple[str, ...]]:
    """Return the context of one image, each field the request's or else the DICOM file's, and
    the fields that came from the file."""
    request = request or Context()
    if dicom is None:
        return request, ()
    taken = tuple(f for f in dicom.fields if getattr(request, f) is None)
    values = {f: getattr(dicom.context if f in taken else request, f) for f in FIELDS}
    return Context(**values), taken


def context_used(context: Context, from_dicom: tuple[str, ...], used: bool) -> ContextUsed | None:
    """Return what an answer says of its context (None when nothing was given)."""
    if not context.given:
        return None
    return ContextUsed(**context.as_dict(), from_dicom=list(from_dicom), used=used)
