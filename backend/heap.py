"""How a worker's C heap gives memory back: threads share two heaps instead of one each, and
after model work a heap holding much freed memory (a 200 MB decode) returns it to the system
instead of keeping it in the worker for good. (Mapping every big buffer on its own did the same
but made ONNX Runtime's per-request buffers fault in afresh: /predict 17 % slower.)"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# glibc's mallopt parameters (malloc.h).
M_ARENA_MAX = -8
ARENAS = 2  # glibc's default is 8 per core: one per busy thread, each keeping what it freed


TRIM_ABOVE = 64 << 20  # freed bytes the heap may keep before they go back to the system
_LIBC = None


class _MallInfo2(ctypes.Structure):
    """glibc's struct mallinfo2 (2.33 and later)."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost",
        )
    ]  # fmt: skip


def give_back_freed() -> None:
    """Return the heap's freed memory to the system (glibc's malloc_trim) once it holds more
    than TRIM_ABOVE of it, as after a large decode; a cheap look otherwise."""
    if _LIBC is None:
        return
    if _LIBC.mallinfo2().fordblks > TRIM_ABOVE:
        _LIBC.malloc_trim(0)


def return_big_buffers() -> bool:
    """Cap glibc's heaps at ARENAS and let give_back_freed trim them; return whether it could
    (False on a C library without mallopt, e.g. musl)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        log.info("no glibc mallopt here: the heap keeps its defaults")
        return False
    global _LIBC
    try:
        libc.mallinfo2.restype = _MallInfo2
    except AttributeError:  # glibc before 2.33: the arenas are capped, nothing is trimmed
        pass
    else:
        _LIBC = libc
    return bool(mallopt(M_ARENA_MAX, ARENAS))
