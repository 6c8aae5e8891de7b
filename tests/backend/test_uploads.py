"""Reading uploads out of a multipart body: one fast pass for well-formed bodies, Werkzeug's
lenient decoder for the rest, and one parse per request."""

from __future__ import annotations

import io

import pytest
from flask import Flask, request

from backend import uploads
from backend.errors import ApiError
from backend.uploads import Part, multipart_parts, read_uploads, request_parts

BOUNDARY = "b0undary"


def body(*parts: bytes) -> bytes:
    """Return a well-formed multipart body of raw part sections (headers, blank line, data)."""
    out = b""
    for part in parts:
        out += (b"\r\n--" if out else b"--") + BOUNDARY.encode() + b"\r\n" + part
    return out + b"\r\n--" + BOUNDARY.encode() + b"--\r\n"


def section(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"Content-Disposition: {disposition}\r\n\r\n".encode() + data


def test_a_well_formed_body_gives_each_part_in_order():
    raw = body(section("file", b"\xff\xd8abc", "a.jpg"), section("model", b"paper_cnn"))
    assert multipart_parts(raw, BOUNDARY) == [
        Part("file", b"\xff\xd8abc", "a.jpg"),
        Part("model", b"paper_cnn", None),
    ]


def test_the_fast_parser_agrees_with_werkzeugs_on_well_formed_bodies():
    raw = body(section("file", bytes(range(256)) * 40, "x.png"), section("file", b"", "e.png"))
    assert multipart_parts(raw, BOUNDARY) == uploads._lenient_parts(raw, BOUNDARY.encode())


def test_an_empty_part_without_the_crlf_before_the_next_boundary_is_read_leniently():
    # Werkzeug's test client writes an empty file this way; a strict parser merges the parts.
    dash = f"--{BOUNDARY}".encode()
    raw = (
        dash + b"\r\n" + section("file", b"", "a.jpg") + dash + b"\r\n"
        + section("file", b"abc", "b.jpg") + b"\r\n" + dash + b"--\r\n"
    )  # fmt: skip
    assert multipart_parts(raw, BOUNDARY) == [
        Part("file", b"", "a.jpg"),
        Part("file", b"abc", "b.jpg"),
    ]


def test_a_body_that_is_not_multipart_is_a_clear_400():
    with pytest.raises(ApiError) as error:
        multipart_parts(b"--other\r\n\r\nnot the boundary", BOUNDARY)
    assert error.value.status == 400 and error.value.code == "invalid_form"


def test_a_request_is_parsed_once_for_its_parameters_and_its_images(monkeypatch):
    calls = []
    parse = uploads.multipart_parts
    monkeypatch.setattr(uploads, "multipart_parts", lambda *a: calls.append(a) or parse(*a))
    app = Flask(__name__)
    data = {"file": (io.BytesIO(b"\xff\xd8abc"), "a.jpg"), "model": "paper_cnn"}
    with app.test_request_context("/predict", method="POST", data=data):
        fields = [p.name for p in request_parts(request)]
        images = read_uploads(request, max_files=4)
    assert sorted(fields) == ["file", "model"] and images[0].data == b"\xff\xd8abc"
    assert len(calls) == 1
