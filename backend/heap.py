"""How a worker's C heap gives memory back: big buffers (decoded images, model inputs) are
mapped and unmapped on their own, and threads share two heaps, so a 200 MB decode is returned to
the system when it is freed instead of staying in the worker for good."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# glibc's mallopt parameters (malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 4 << 20  # allocations from 4 MB up (a 1-megapixel decode) get their own mapping
ARENAS = 2  # glibc's default is 8 per core: one per busy thread, each keeping what it freed


def return_big_buffers() -> bool:
    """Set glibc's heap so that freed big buffers go back to the system; return whether it
    could (False on a C library without mallopt, e.g. musl)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        log.info("no glibc mallopt here: the heap keeps its defaults")
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENAS))
