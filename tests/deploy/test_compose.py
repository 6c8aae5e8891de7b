"""The Docker deployment: scripts/compose_smoke.sh builds, starts and checks the compose stack."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.servers import REPO_ROOT, free_port

pytestmark = [
    pytest.mark.xdist_group("docker"),  # the Docker stacks run one at a time
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


@pytest.mark.docker
@pytest.mark.timeout(1500)
def test_compose_stack_builds_starts_and_classifies_a_sample() -> None:
    """Both images build, both containers get healthy, and a real JPEG gets seven probabilities."""
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "BACKEND_PORT": str(free_port()), "FRONTEND_PORT": str(free_port())}
    result = subprocess.run(
        [str(SMOKE_SCRIPT)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1400
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
