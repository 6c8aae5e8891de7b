"""`scripts/run_local.sh` (make run): both servers at once, busy ports named, nothing left over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.servers import REPO_ROOT, free_port, stop, wait_until_up

pytestmark = pytest.mark.heavy(25)

SCRIPT = REPO_ROOT / "scripts" / "run_local.sh"


def group_alive(pgid: int) -> bool:
    """Return whether any process of the group is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(url: str) -> bool:
    """Return whether something answers HTTP at `url`."""
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


def script_env(**settings: str) -> dict[str, str]:
    """Return this process's environment with one worker, no BACKEND_URL and `settings` added."""
    env = {**os.environ, "WEB_CONCURRENCY": "1", **settings}
    env.pop("BACKEND_URL", None)
    return env


def run_script(**settings: str) -> subprocess.CompletedProcess:
    """Run the script to its end with `settings` in its environment."""
    return subprocess.run(
        [str(SCRIPT)],
        cwd=REPO_ROOT,
        env=script_env(**settings),
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )


@contextmanager
def script_running(log: Path, **settings: str) -> Iterator[subprocess.Popen]:
    """Start the script in its own process group with output to `log`; kill what is left after."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(SCRIPT)],
            cwd=REPO_ROOT,
            env=script_env(**settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def stop_with_ctrl_c(process: subprocess.Popen) -> None:
    """Do what a terminal's Ctrl-C does (SIGINT to the foreground group) and wait for the group."""
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    for _ in range(200):
        if not group_alive(process.pid):
            return
        time.sleep(0.3)


def child_pid(parent: int, command: str) -> int:
    """Return the pid of `parent`'s child whose command line mentions `command`."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    for pid in children:
        if command in Path(f"/proc/{pid}/cmdline").read_bytes().decode():
            return int(pid)
    raise LookupError(f"no child of {parent} runs {command}")


def wait_for_line(log: Path, text: str, process: subprocess.Popen) -> None:
    """Wait until `text` appears in `log`, failing if the script exits first."""
    for _ in range(300):
        if text in log.read_text():
            return
        assert process.poll() is None, f"the script exited before printing {text!r}"
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared in {log}")


@pytest.mark.parametrize(
    ("setting", "other", "what"),
    [("PORT", "FRONTEND_PORT", "the API"), ("FRONTEND_PORT", "PORT", "the page")],
)
def test_a_busy_port_is_named_with_the_setting_that_moves_it(
    setting: str, other: str, what: str
) -> None:
    other_port = free_port()
    with socket.create_server(("127.0.0.1", 0)) as holder:
        busy = holder.getsockname()[1]
        done = run_script(**{setting: str(busy), other: str(other_port)})
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"make run: port {busy} on 127.0.0.1 ({what}) is already in use; stop what holds it "
        f"or choose another port, e.g. `{setting}={busy + 10} make run`."
    )
    assert done.stdout == "", "nothing was started"
    assert not port_open(f"http://127.0.0.1:{other_port}")


def test_one_port_for_both_is_refused() -> None:
    port = str(free_port())
    done = run_script(PORT=port, FRONTEND_PORT=port)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"make run: PORT and FRONTEND_PORT are both {port}; give the API and the page "
        "different ports."
    )


@pytest.mark.server
def test_an_api_that_fails_to_start_stops_the_page(tmp_path: Path) -> None:
    frontend_port = free_port()
    done = run_script(
        MODEL_PATH=str(tmp_path / "missing.onnx"),
        PORT=str(free_port()),
        FRONTEND_PORT=str(frontend_port),
    )
    assert done.returncode == 1
    assert (
        "make run: the API (gunicorn) stopped with status 1 before it was ready (its log above "
        "says why); stopping the page too." in done.stderr
    )
    assert "Ready." not in done.stdout
    assert not port_open(f"http://127.0.0.1:{frontend_port}")


@pytest.mark.server
def test_ctrl_c_stops_backend_and_frontend(model_path: Path, tmp_path: Path) -> None:
    backend_port, frontend_port = free_port(), free_port()
    log = tmp_path / "run.log"
    backend, frontend = f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{frontend_port}"
    with script_running(
        log, MODEL_PATH=str(model_path), PORT=str(backend_port), FRONTEND_PORT=str(frontend_port)
    ) as process:
        wait_for_line(log, "Ready.", process)
        stop_with_ctrl_c(process)
        assert not group_alive(process.pid), "a server outlived Ctrl-C"
        assert not port_open(f"{backend}/health") and not port_open(frontend)
    printed = log.read_text()
    assert f"API:  {backend}" in printed
    assert f"page: {frontend}" in printed


@pytest.mark.server
def test_the_page_outlives_an_api_that_stops(model_path: Path, tmp_path: Path) -> None:
    frontend = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "run.log"
    with script_running(
        log,
        MODEL_PATH=str(model_path),
        PORT=str(free_port()),
        FRONTEND_PORT=frontend.rsplit(":", 1)[1],
    ) as process:
        wait_for_line(log, "Ready.", process)
        os.kill(child_pid(process.pid, "gunicorn"), signal.SIGTERM)
        wait_for_line(log, "make run: the API (gunicorn) stopped with status 0.", process)
        wait_until_up(f"{frontend}/_stcore/health", process)
        stop_with_ctrl_c(process)
        assert not group_alive(process.pid)
    assert "The page stays up and says the service is gone" in log.read_text()
