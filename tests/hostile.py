"""What an attacker sends, for the tests and the benchmark: slow clients that hold a connection
open, and small files that decode to many pixels. Every loop here is bounded in count and time,
and every connection goes to a loopback address."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

BOMB_SIDE = 7000  # 49 megapixels: just under the default MAX_IMAGE_PIXELS


def pixel_bomb(kind: str, side: int = BOMB_SIDE) -> tuple[str, bytes, str]:
    """Return (file name, bytes, media type) of an all-black image of side×side pixels that
    compresses to a few hundred kB: kind is png8, png16, tiff or webp."""
    buffer = io.BytesIO()
    if kind == "png16":
        Image.fromarray(np.zeros((side, side), dtype=np.uint16)).save(buffer, "PNG")
        return "bomb16.png", buffer.getvalue(), "image/png"
    image = Image.new("RGB", (side, side))
    if kind == "png8":
        image.save(buffer, "PNG")
        return "bomb.png", buffer.getvalue(), "image/png"
    if kind == "tiff":
        image.save(buffer, "TIFF", compression="tiff_deflate")
        return "bomb.tiff", buffer.getvalue(), "image/tiff"
    if kind == "webp":
        image.save(buffer, "WEBP", lossless=True)
        return "bomb.webp", buffer.getvalue(), "image/webp"
    raise ValueError(f"no pixel bomb of kind {kind!r}")


def _trickle(host: str, port: int, body: bool, stop: threading.Event, pause: float) -> None:
    """Send a request one header line (or, with `body`, one body byte) per `pause` seconds
    until `stop` is set, never finishing it."""
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
            if body:
                sock.sendall(b"Content-Type: image/jpeg\r\nContent-Length: 1000000\r\n\r\n")
            line = 0
            while not stop.wait(pause):
                line += 1
                sock.sendall(b"x" if body else f"X-Slow-{line}: 1\r\n".encode())
    except OSError:
        pass  # the server (or the proxy) gave up on it: that is what it should do


@contextmanager
def slow_clients(url: str, count: int, pause: float = 1.0) -> Iterator[None]:
    """Hold `count` slow connections to `url` open while the block runs (half trickle their
    headers, half announce a body and trickle it), then close them."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stop = threading.Event()
    threads = [
        threading.Thread(target=_trickle, args=(host, int(port), i % 2 == 1, stop, pause))
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    time.sleep(min(2.0, pause * 2))  # every one of them connected and sending
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)


def peak_memory_mb(pid: int) -> float:
    """Return a process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise KeyError("VmHWM")


def reset_peak_memory(pid: int) -> None:
    """Start a process's peak resident memory afresh from its current size (Linux)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def worker_pids(master: int) -> list[int]:
    """Return the gunicorn workers of a master process."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]
