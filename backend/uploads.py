"""Read uploaded images out of a request, in memory, and check the request before any decoding."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from backend.errors import ApiError
from backend.formats import ACCEPTED_MEDIA_TYPES
from backend.request_log import note_upload_sizes
from lesion_runtime.decoding import Upload

FIELD = "file"  # the multipart field that carries images
PARTS_KEY = "lesion.multipart_parts"  # where a request's parsed parts are kept (WSGI environ)


class InMemoryRequest(Request):
    """A request whose uploaded files stay in memory: uploads never touch the disk."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return io.BytesIO()


@dataclass(frozen=True)
class Part:
    """One part of a multipart body: its field name, raw bytes and filename (None: none given)."""

    name: str
    data: bytes
    filename: str | None


class _PartCollector:
    """Callbacks of python-multipart's parser that collect whole parts in memory."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._headers: list[list[bytes]] = []
        self._chunks: list[bytes] = []

    def callbacks(self) -> dict:
        """Return the parser's callbacks."""
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._headers.append([d[s:e].lower(), b""]),
            "on_header_value": self._header_value,
            "on_part_data": lambda d, s, e: self._chunks.append(d[s:e]),
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._chunks = [], []

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._headers[-1][1] += data[start:end]

    def _end(self) -> None:
        disposition = dict(map(tuple, self._headers)).get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        filename = options.get(b"filename")
        self.parts.append(
            Part(
                options.get(b"name", b"").decode("utf-8", "replace"),
                b"".join(self._chunks),
                None if filename is None else filename.decode("utf-8", "replace"),
            )
        )


def multipart_parts(body: bytes, boundary: str) -> list[Part]:
    """Return every part of a multipart body, in order.

    python-multipart parses a well-formed body in one pass (Werkzeug's decoder compiles a
    pattern for each boundary and took about 25 times as long on a 270 kB upload). A body it
    cannot read to its end, or whose parts still hold the boundary (an empty part sent without
    the CRLF before the next boundary, as Werkzeug's own test client does), goes through
    Werkzeug's more lenient decoder instead. A `file` part sent without a filename (RFC 7578
    allows it) keeps its bytes like any other.
    """
    collector = _PartCollector()
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    try:
        parser = MultipartParser(delimiter[2:], collector.callbacks())
        parser.write(body)
        parser.finalize()
        if parser.state == MultipartState.END and all(
            delimiter not in part.data for part in collector.parts
        ):
            return collector.parts
    except (MultipartParseError, ValueError):
        pass
    return _lenient_parts(body, delimiter[2:])


def _lenient_parts(body: bytes, boundary: bytes) -> list[Part]:
    """Return every part of a multipart body as Werkzeug's decoder reads it."""
    decoder = MultipartDecoder(boundary)
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[Part] = []
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
                    parts.append(Part(current.name, b"".join(chunks), filename))
    except ValueError as exc:
        raise ApiError(400, "invalid_form", f"the multipart body is malformed: {exc}") from None
    return parts


def request_parts(request: Request) -> list[Part]:
    """Return the parts of a multipart request, parsed once per request (none for any other
    body), or refuse a multipart request without a boundary."""
    if request.mimetype != "multipart/form-data":
        return []
    if PARTS_KEY not in request.environ:
        boundary = request.mimetype_params.get("boundary")
        if not boundary:
            raise ApiError(400, "invalid_form", "the multipart Content-Type has no boundary")
        body = request.get_data(cache=True, parse_form_data=False)
        request.environ[PARTS_KEY] = multipart_parts(body, boundary)
    return request.environ[PARTS_KEY]


def _form_uploads(request: Request, max_files: int, too_many: str) -> list[Upload]:
    """Return the `file` parts of a multipart request, in order, or refuse the request (saying
    `too_many` after the limit, when given, if it has too many)."""
    parts = request_parts(request)
    uploads = [Upload(p.data, p.filename or None) for p in parts if p.name == FIELD]
    if not uploads:
        fields = ", ".join(sorted({p.name for p in parts})) or "none"
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
    raw = ("application/octet-stream", *ACCEPTED_MEDIA_TYPES)
    if mimetype.startswith("image/") or mimetype in raw:
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
