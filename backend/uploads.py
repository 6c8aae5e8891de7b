"""Read uploaded images out of a request, in memory, and check the request before any decoding."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Request
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from backend.errors import ApiError
from backend.formats import ACCEPTED_MEDIA_TYPES
from backend.request_log import note_upload_sizes

FIELD = "file"  # the multipart field that carries images


class InMemoryRequest(Request):
    """A request whose uploaded files stay in memory: uploads never touch the disk."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return io.BytesIO()


@dataclass(frozen=True)
class Upload:
    """One uploaded image's bytes and the name the client gave it."""

    data: bytes
    filename: str | None


def multipart_parts(body: bytes, boundary: str) -> list[tuple[str, bytes, str | None]]:
    """Return every part of a multipart body as (field name, raw bytes, filename or None).

    Werkzeug's form parser keeps only parts with a filename as files and decodes the others as
    text; a `file` part sent without a filename (RFC 7578 allows it) must keep its bytes too.
    """
    decoder = MultipartDecoder(boundary.encode("latin-1"))
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[tuple[str, bytes, str | None]] = []
    current: Field | File | None = None
    chunks: list[bytes] = []
    try:
        while not isinstance(event := decoder.next_event(), Epilogue | NeedData):
            if isinstance(event, Field | File):
                current, chunks = event, []
            elif isinstance(event, Data) and current is not None:
                chunks.append(event.data)
                if not event.more_data:
                    filename = current.filename if isinstance(current, File) else None
                    parts.append((current.name, b"".join(chunks), filename))
    except ValueError as exc:
        raise ApiError(400, "invalid_form", f"the multipart body is malformed: {exc}") from None
    return parts


def _form_uploads(request: Request, max_files: int, too_many: str) -> list[Upload]:
    """Return the `file` parts of a multipart request, in order, or refuse the request (saying
    `too_many` after the limit, when given, if it has too many)."""
    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise ApiError(400, "invalid_form", "the multipart Content-Type has no boundary")
    parts = multipart_parts(request.get_data(cache=True, parse_form_data=False), boundary)
    uploads = [Upload(data, filename or None) for name, data, filename in parts if name == FIELD]
    if not uploads:
        fields = ", ".join(sorted({name for name, _, _ in parts})) or "none"
        raise ApiError(
            400,
            "missing_file",
            f"send the image as multipart field 'file' (fields received: {fields})",
        )
    if len(uploads) > max_files:
        limit = f"{len(uploads)} files in one request; the limit is {max_files}"
        raise ApiError(400, "too_many_files", f"{limit}: {too_many}" if too_many else limit)
    return uploads


def read_uploads(request: Request, max_files: int, too_many: str = "") -> list[Upload]:
    """Return the images of a multipart (`file` fields) or raw image request, in order; a
    request over `max_files` is refused, with `too_many` added to the message when given.

    Only the request is checked here; each image is checked when it is decoded."""
    mimetype = request.mimetype or ""
    if mimetype == "multipart/form-data":
        return _noted(_form_uploads(request, max_files, too_many))
    if mimetype.startswith("image/") or mimetype == "application/octet-stream":
        return _noted([Upload(request.get_data(cache=False), None)])
    if not mimetype and not request.content_length:
        raise ApiError(
            400, "missing_file", "no image sent: POST multipart field 'file' or an image body"
        )
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type {mimetype!r} is not accepted; send multipart/form-data with field "
        f"'file', or a raw image body ({', '.join(ACCEPTED_MEDIA_TYPES)})",
    )


def _noted(uploads: list[Upload]) -> list[Upload]:
    """Return `uploads` after giving their sizes in bytes to the request log (sizes only)."""
    note_upload_sizes([len(upload.data) for upload in uploads])
    return uploads


def describe(upload: Upload, position: int, count: int) -> str:
    """Return how an error message names an upload (its position, and its name if it has one)."""
    name = f"'{upload.filename}'" if upload.filename else "the upload"
    return f"file {position} ({name})" if count > 1 else name
