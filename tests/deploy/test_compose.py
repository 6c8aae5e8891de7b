"""The Docker deployment: scripts/compose_smoke.sh builds, starts and checks the compose stack."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import HOST_NETWORK
from tests.servers import REPO_ROOT, free_port

pytestmark = [
    pytest.mark.xdist_group(HOST_NETWORK),  # one at a time, with the browser tests
    pytest.mark.heavy(140),
]

SMOKE_SCRIPT = REPO_ROOT / "scripts" / "compose_smoke.sh"


def docker_unavailable() -> str | None:
    """Return why the compose stack cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return f"no Docker engine is reachable (`docker info`: {info.stderr.strip()[:200]})"
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
    if v2.returncode != 0 and shutil.which("docker-compose") is None:
        return "neither `docker compose` nor `docker-compose` is installed"
    return None


def clean_copy(folder: Path) -> Path:
    """Copy what a fresh clone of this tree holds (the files git tracks, and new ones it does
    not ignore, as they are now) into `folder`: no .venv, no assembled ensemble."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


@pytest.mark.docker
@pytest.mark.timeout(1500)
def test_compose_stack_builds_from_a_clean_clone_starts_and_withstands_abuse(
    tmp_path: Path,
) -> None:
    """The three images build from what a fresh clone holds (so the ensemble is assembled in
    the backend's build), the containers get healthy and hardened, the front door answers a
    real JPEG with the ensemble, keeps answering under 64 slow clients, and refuses a body over
    the limit in JSON (scripts/compose_smoke.sh says each step)."""
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    copy = clean_copy(tmp_path / "clone")
    assert not (copy / "models" / "ensemble" / "model.onnx").exists()
    env = {**os.environ, "BACKEND_PORT": str(free_port()), "FRONTEND_PORT": str(free_port())}
    result = subprocess.run(
        [str(copy / "scripts" / "compose_smoke.sh")],
        cwd=copy, env=env, capture_output=True, text=True, timeout=1400,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert "ensemble [168, 224]" in result.stdout
