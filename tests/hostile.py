"""What an attacker sends, for the tests and the benchmark: small files that decode to many
pixels (slow clients: tests/slow_clients.py), and how much memory a worker took for them."""

from __future__ import annotations

import io
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
