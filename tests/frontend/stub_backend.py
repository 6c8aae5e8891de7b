"""A scripted stand-in for the backend, to reach the error paths a real backend rarely takes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers import free_port

CODES = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
HEALTH_OK = {"status": "ok", "model": {"name": "stub", "version": "stub-1"}, "classes": list(CODES)}
METADATA_OK = {
    "model": {"name": "stub", "version": "stub-1"},
    "classes": [
        {
            "code": "akiec",
            "name": "Actinic keratoses and intraepithelial carcinoma",
            "malignant": True,
        },
        {"code": "bcc", "name": "Basal cell carcinoma", "malignant": True},
        {"code": "bkl", "name": "Benign keratosis-like lesions", "malignant": False},
        {"code": "df", "name": "Dermatofibroma", "malignant": False},
        {"code": "mel", "name": "Melanoma", "malignant": True},
        {"code": "nv", "name": "Melanocytic nevi", "malignant": False},
        {"code": "vasc", "name": "Vascular lesions", "malignant": False},
    ],
    "metrics": None,
    "limits": {
        "max_upload_bytes": 10 * 1024 * 1024,
        "max_files": 16,
        "max_image_pixels": 50_000_000,
    },
    "disclaimer": "Research tool.",
}
Reply = tuple[int, str, bytes]


class StubBackend(ThreadingHTTPServer):
    """A loopback HTTP server that answers each (method, path) with a scripted reply."""

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _StubHandler)
        self.replies: dict[tuple[str, str], Reply] = {}
        self.url = f"http://127.0.0.1:{port}"

    def reply(
        self,
        method: str,
        path: str,
        status: int,
        body: object,
        content_type: str = "application/json",
    ) -> None:
        """Answer `method path` with `status` and `body` (JSON-encoded unless bytes)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies[(method, path)] = (status, content_type, data)

    def healthy(self) -> StubBackend:
        """Answer /health and /metadata as a ready backend does; return self."""
        self.reply("GET", "/health", 200, HEALTH_OK)
        self.reply("GET", "/metadata", 200, METADATA_OK)
        return self


class _StubHandler(BaseHTTPRequestHandler):
    """Serve the StubBackend's scripted replies; 404 for anything else."""

    server: StubBackend

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, content_type, data = self.server.replies.get(
            (self.command, self.path), (404, "text/plain", b"not found")
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def start_stub(port: int | None = None) -> StubBackend:
    """Start a StubBackend on `port` (a free one by default) in a daemon thread."""
    server = StubBackend(port or free_port())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
