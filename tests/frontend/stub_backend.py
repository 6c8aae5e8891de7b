"""A scripted stand-in for the backend: error paths a real one rarely takes, and /localize."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tests.servers import free_port

CODES = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
HEALTH_OK = {
    "status": "ok",
    "model": {"name": "stub", "version": "stub-1"},
    "classes": list(CODES),
    "localization": {"name": "stub-seg", "version": "stub-seg-1"},
}
METADATA_OK = {
    "model": {
        "name": "stub",
        "version": "stub-1",
        "file": "models/stub/model.onnx",
        "why_served": None,
        "input_size": [28, 28, 3],
        "preprocessing": "resized to 28x28, aspect ratio not kept",
        "trained": {},
    },
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
# What /predict answers for one image; /localize answers the same plus its own fields.
PREDICTION = {
    "label": "mel",
    "label_name": "Melanoma",
    "malignant": True,
    "confidence": 0.6,
    "probabilities": dict(zip(CODES, (0.05, 0.1, 0.02, 0.01, 0.6, 0.2, 0.02), strict=True)),
    "model_version": "stub-1",
}
# What each member of a stand-in ensemble answered, as `agreement` carries it.
AGREEING = {
    "agree": True,
    "agreeing": 2,
    "members": [
        {
            "model": "efficientnet_lite0",
            "label": "mel",
            "confidence": 0.71,
            "answer_probability": 0.71,
        },
        {
            "model": "resnet_small_2x",
            "label": "mel",
            "confidence": 0.64,
            "answer_probability": 0.64,
        },
    ],
}
DISAGREEING = {
    "agree": False,
    "agreeing": 1,
    "members": [
        {
            "model": "efficientnet_lite0",
            "label": "mel",
            "confidence": 0.71,
            "answer_probability": 0.71,
        },
        {
            "model": "resnet_small_2x",
            "label": "bkl",
            "confidence": 0.52,
            "answer_probability": 0.3,
        },
    ],
}
LOCALIZATION_UNAVAILABLE = {
    "error": {"code": "localization_unavailable", "message": "no segmenter is loaded"}
}
Reply = tuple[int, str, bytes]


@dataclass
class Received:
    """One request the stub received, with its multipart form fields and files."""

    method: str
    path: str
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Received], Reply]


def png_base64(image: Image.Image) -> str:
    """Return `image` as a base64-encoded PNG string."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def disc(size: tuple[int, int]) -> np.ndarray:
    """Return a (height, width) boolean disc in the middle, radius a quarter of the short side."""
    width, height = size
    yy, xx = np.mgrid[:height, :width]
    return (xx - width / 2) ** 2 + (yy - height / 2) ** 2 < (min(size) / 4) ** 2


def radial_heatmap(size: tuple[int, int]) -> Image.Image:
    """Return an RGBA jet-coloured blob in the middle, transparent towards the edges."""
    width, height = size
    yy, xx = np.mgrid[:height, :width]
    distance = np.hypot(xx - width / 2, yy - height / 2) / (min(size) / 2)
    t = np.clip(1 - distance, 0, 1)
    # The jet colour map: blue at the fringe, through cyan, green and yellow, to red at the peak.
    red = np.clip(np.minimum(4 * t - 1.5, 4.5 - 4 * t), 0, 1)
    green = np.clip(np.minimum(4 * t - 0.5, 3.5 - 4 * t), 0, 1)
    blue = np.clip(np.minimum(4 * t + 0.5, 2.5 - 4 * t), 0, 1)
    rgba = np.stack([red, green, blue, 0.7 * t], axis=-1)
    return Image.fromarray((rgba * 255).round().astype(np.uint8), "RGBA")


def localization_body(size: tuple[int, int], class_code: str, found: bool = True) -> dict:
    """Return a contract-correct /localize body for an image of `size` (width, height)."""
    inside = disc(size) if found else np.zeros((size[1], size[0]), dtype=bool)
    box = None
    if found:
        ys, xs = np.nonzero(inside)
        box = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
    mask = Image.fromarray(np.where(inside, 255, 0).astype(np.uint8), "L")
    return PREDICTION | {
        "lesion": {
            "found": found,
            "box": box,
            "mask_png": png_base64(mask),
            "area_fraction": float(inside.mean()),
        },
        "heatmap_png": png_base64(radial_heatmap(size)),
        "heatmap_class": class_code,
        "heatmap_size": list(size),
        "segmenter_version": "stub-seg-1",
    }


def model_entry(name: str, **metrics: float) -> dict:
    """Return one /models entry: a 28×28 classifier with `metrics` as its held-out figures."""
    return {"name": name, "version": f"{name}-1", "input_size": [28, 28], "metrics": metrics}


def _json_reply(status: int, body: object) -> Reply:
    """Return a JSON reply."""
    return (status, "application/json", json.dumps(body).encode())


class StubBackend(ThreadingHTTPServer):
    """A loopback HTTP server that answers each (method, path) with a scripted reply."""

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _StubHandler)
        self.replies: dict[tuple[str, str], Reply | Route] = {}
        self.received: list[Received] = []
        self.url = f"http://127.0.0.1:{port}"
        # While set, every connection is dropped unanswered, as a backend that went away.
        self.gone = False

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

    def requests_to(self, path: str) -> list[Received]:
        """Return the requests received for `path`, oldest first."""
        return [r for r in self.received if r.path == path]

    def healthy(self) -> StubBackend:
        """Answer /health and /metadata as a ready backend does; return self."""
        self.reply("GET", "/health", 200, HEALTH_OK)
        self.reply("GET", "/metadata", 200, METADATA_OK)
        return self

    def classifying(self, **changes: object) -> StubBackend:
        """Answer /predict (one image) with PREDICTION and `changes` to it; return self."""
        self.reply("POST", "/predict", 200, PREDICTION | changes)
        return self

    def serving(self, default: str, *models: dict) -> StubBackend:
        """Answer /models with `models` (see model_entry), `default` the one that answers
        without ?model=; return self."""
        self.reply("GET", "/models", 200, {"default": default, "models": list(models)})
        return self

    def localizing(self, available: bool = True, found: bool = True) -> StubBackend:
        """Answer /localize from the uploaded image, or with 503 when not `available`; return self.

        An answer has a disc for the lesion (none unless `found`) and a radial heat-map, both the
        size of the upload; a `class` field outside CODES gets 400 unknown_class.
        """
        if not available:
            self.reply("POST", "/localize", 503, LOCALIZATION_UNAVAILABLE)
        else:
            self.replies[("POST", "/localize")] = lambda request: _localize(request, found)
        return self


def _localize(request: Received, found: bool) -> Reply:
    """Return the /localize reply for one received request."""
    class_code = request.fields.get("class") or str(PREDICTION["label"])
    if class_code not in CODES:
        return _json_reply(
            400, {"error": {"code": "unknown_class", "message": f"unknown class {class_code!r}"}}
        )
    try:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(request.files["file"])))
    except (KeyError, UnidentifiedImageError):
        return _json_reply(400, {"error": {"code": "invalid_image", "message": "not an image"}})
    return _json_reply(200, localization_body(image.size, class_code, found))


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """Return the text fields and the files of a multipart/form-data body."""
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not content_type.startswith("multipart/form-data"):
        return fields, files
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    for part in message_from_bytes(head + body, policy=HTTP).iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if part.get_filename() is None:
            fields[name] = payload.decode()
        else:
            files[name] = payload
    return fields, files


class _StubHandler(BaseHTTPRequestHandler):
    """Serve the StubBackend's scripted replies; 404 for anything else."""

    server: StubBackend

    def _answer(self) -> None:
        if self.server.gone:
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        fields, files = _parse_form(self.headers.get("Content-Type", ""), self.rfile.read(length))
        request = Received(self.command, self.path, fields, files, dict(self.headers))
        self.server.received.append(request)
        reply = self.server.replies.get(
            (self.command, self.path), (404, "text/plain", b"not found")
        )
        status, content_type, data = reply(request) if callable(reply) else reply
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
    # A short poll: shutdown() waits up to one interval, and every test that stops a stand-in
    # would wait half a second with the default.
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server
