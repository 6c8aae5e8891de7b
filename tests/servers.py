"""Start real servers (gunicorn, Streamlit) on free loopback ports for tests, and stop them."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


# Each pytest-xdist worker hands out ports from its own block, below Linux's ephemeral range
# (32768 and up), and never the same one twice: a port the kernel picked for one worker's server
# could otherwise be picked again for another's, or taken by an outgoing connection, before the
# server binds it; the loser's health check would then reach the winner.
FIRST_PORT = 20_000
PORTS_PER_WORKER = 1_000
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_candidates = itertools.count(FIRST_PORT + _WORKER * PORTS_PER_WORKER)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now and that no other test got."""
    return next(port for port in _candidates if _bindable(port))


def _bindable(port: int) -> bool:
    """Return whether nothing outside this run holds `port` on 127.0.0.1."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_until_up(
    url: str, process: subprocess.Popen, timeout: float = 90, log: Path | None = None
) -> None:
    """Poll `url` until it answers 200; fail early if the process exits. Failures quote the end
    of the server's `log`, if it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode} before {url} answered" + log_tail(log)
            )
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s" + log_tail(log))


def log_tail(log: Path | None, lines: int = 30) -> str:
    """Return the last `lines` of `log` as a paragraph to add to an error, or ""."""
    if log is None or not log.is_file():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return f"\nlast lines of {log}:\n" + "\n".join(tail)


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
    yield the process, and stop it and its children on the way out. Its output goes to a
    temporary log that a failed start quotes."""
    with tempfile.TemporaryDirectory(prefix="server-") as folder:
        log = Path(folder) / "output.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                start_new_session=True,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(f"{url}{health_path}", process, timeout=120, log=log)
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
