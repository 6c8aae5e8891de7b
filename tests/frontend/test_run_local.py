"""`scripts/run_local.sh` (make run) starts backend and frontend together; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.servers import REPO_ROOT, free_port, stop, wait_until_up

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


@pytest.mark.server
def test_ctrl_c_stops_backend_and_frontend(model_path: Path, tmp_path: Path) -> None:
    backend_port, frontend_port = free_port(), free_port()
    env = {
        **os.environ,
        "MODEL_PATH": str(model_path),
        "PORT": str(backend_port),
        "FRONTEND_PORT": str(frontend_port),
        "WEB_CONCURRENCY": "1",
    }
    env.pop("BACKEND_URL", None)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(SCRIPT)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    backend, frontend = f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{frontend_port}"
    try:
        wait_until_up(f"{backend}/health", process)
        wait_until_up(f"{frontend}/_stcore/health", process)
        # What a terminal's Ctrl-C does: SIGINT to the whole foreground process group.
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        for _ in range(200):
            if not group_alive(process.pid):
                break
            time.sleep(0.3)
        assert not group_alive(process.pid), "a server outlived Ctrl-C"
        assert not port_open(f"{backend}/health") and not port_open(frontend)
    finally:
        stop(process)
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    printed = log.read_text()
    assert f"backend:  {backend}" in printed
    assert f"frontend: {frontend}" in printed
