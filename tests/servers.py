"""Start real servers (gunicorn, Streamlit) on free loopback ports for tests, and stop them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    """Poll `url` until it answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running(
    command: list[str], env: Mapping[str, str], url: str, health_path: str
) -> Iterator[subprocess.Popen]:
    """Start `command` from the repository root, wait until `url + health_path` answers 200,
    yield the process, and stop it and its children on the way out."""
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{url}{health_path}", process, timeout=120)
        yield process
    finally:
        stop(process)


@contextmanager
def gunicorn_server(
    model_path: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    app: str = "backend.app:create_app()",
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `app` under gunicorn with the repository's gunicorn.conf.py on a free loopback port;
    yield (base URL, master process)."""
    port = free_port()
    settings = {
        "MODEL_PATH": str(model_path),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": str(workers),
        **(env or {}),
    }
    url = f"http://127.0.0.1:{port}"
    with running([str(BIN / "gunicorn"), app], settings, url, "/health") as process:
        yield url, process
