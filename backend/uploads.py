"""Read uploaded images out of a request, in memory, and check them before any decoding."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Request

from backend.errors import ApiError


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


def read_uploads(request: Request, max_files: int) -> list[Upload]:
    """Return the images of a multipart (`file` fields) or raw `image/*` request, in order."""
    mimetype = request.mimetype or ""
    if mimetype == "multipart/form-data":
        files = request.files.getlist("file")
        if not files:
            fields = ", ".join(sorted(request.files)) or "none"
            raise ApiError(
                400,
                "missing_file",
                f"send the image as multipart field 'file' (fields received: {fields})",
            )
        if len(files) > max_files:
            raise ApiError(
                400,
                "too_many_files",
                f"{len(files)} files in one request; the limit is {max_files}",
            )
        uploads = [Upload(f.read(), f.filename or None) for f in files]
    elif mimetype.startswith("image/") or mimetype == "application/octet-stream":
        uploads = [Upload(request.get_data(cache=False), None)]
    elif not mimetype and not request.content_length:
        raise ApiError(
            400, "missing_file", "no image sent: POST multipart field 'file' or an image/* body"
        )
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type {mimetype!r} is not accepted; send multipart/form-data "
            "with field 'file', or a raw image/* body",
        )
    for position, upload in enumerate(uploads, start=1):
        if not upload.data:
            raise ApiError(
                400, "empty_file", f"{describe(upload, position, len(uploads))} is empty"
            )
    return uploads


def describe(upload: Upload, position: int, count: int) -> str:
    """Return how an error message names an upload (its position, and its name if it has one)."""
    name = f"'{upload.filename}'" if upload.filename else "the upload"
    return f"file {position} ({name})" if count > 1 else name
