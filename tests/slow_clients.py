"""Slow clients that hold a connection open, for the tests, the benchmark and the compose smoke
test (which runs it with the system's Python: the standard library only). Every loop here is
bounded in count and time, and every connection goes to the address it is given, a loopback
one in all our uses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


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
