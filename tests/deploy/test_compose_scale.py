"""`docker compose --scale backend=2` behind the page, with API keys: both replicas get the page's
requests, the page sends its key, and the backend logs JSON lines without it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import HOST_NETWORK
from tests.deploy.test_compose import docker_unavailable
from tests.servers import REPO_ROOT

pytestmark = [
    pytest.mark.xdist_group(HOST_NETWORK),  # one at a time, with the browser tests
    pytest.mark.heavy(30),
]

KEY = "compose-test-key-0123456789"
REQUESTS = 40
POLLS = 150  # 2 s apart: at most five minutes for the stack to be healthy


def compose_command() -> list[str]:
    """Return how to call Compose here: v2's `docker compose`, else v1's `docker-compose`."""
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
    return ["docker", "compose"] if v2.returncode == 0 else [str(shutil.which("docker-compose"))]


@pytest.fixture(scope="module")
def scaled_stack() -> Iterator[list[str]]:
    """Two backend replicas with few threads and an API key, behind the page and the front
    door; yields the compose command of this project. Tears it all down."""
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    compose = [*compose_command(), "--project-name", f"lesion-scale-{uuid.uuid4().hex[:8]}"]
    env = {
        **os.environ,
        "API_KEYS": KEY,
        "BACKEND_API_KEY": KEY,
        "GUNICORN_THREADS": "2",
        "WEB_CONCURRENCY": "1",
        "BACKEND_PORT": "",  # ephemeral host ports for the front door and the page
        "FRONTEND_PORT": "",
    }

    def run(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*compose, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    try:
        built = run("build", *(["--parallel"] if "docker-compose" in compose[0] else []))
        assert built.returncode == 0, built.stderr[-3000:]
        started = run("up", "-d", "--scale", "backend=2", timeout=300)
        assert started.returncode == 0, started.stderr[-3000:]
        for _ in range(POLLS):
            ids = run("ps", "-q").stdout.split()
            states = [
                subprocess.run(
                    ["docker", "inspect", "-f", "{{.State.Health.Status}}", i],
                    capture_output=True, text=True, timeout=60,
                ).stdout.strip()
                for i in ids
            ]  # fmt: skip
            if len(states) == 4 and set(states) == {"healthy"}:  # proxy, 2 backends, page
                break
            assert "unhealthy" not in states, run("logs", "--tail=40").stdout[-3000:]
            time.sleep(2)
        else:
            pytest.fail(f"the stack did not get healthy: {states}")
        yield compose
    finally:
        run("down", "-v", "--remove-orphans", timeout=300)


def backend_logs(compose: list[str]) -> list[str]:
    """Return each backend replica's output."""
    ids = subprocess.run(
        [*compose, "ps", "-q", "backend"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    ).stdout.split()
    return [
        subprocess.run(["docker", "logs", i], capture_output=True, text=True, timeout=60).stderr
        for i in ids
    ]


@pytest.mark.docker
@pytest.mark.timeout(1500)
def test_scaled_backends_share_the_pages_requests(scaled_stack):
    script = f"""
from frontend.client import BackendClient
from frontend.settings import Settings
settings = Settings.from_env()
client = BackendClient(settings.backend_url, api_key=settings.api_key)
for _ in range({REQUESTS}):
    client.metadata()
"""
    result = subprocess.run(
        [*scaled_stack, "exec", "-T", "frontend", "python", "-c", script],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    logs = backend_logs(scaled_stack)
    assert len(logs) == 2
    served = []
    for log in logs:
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        served.append(sum(line.get("endpoint") == "/metadata" for line in lines))
        assert all(line.get("status") != 401 for line in lines)  # the page sent its key
        assert KEY not in log
    assert sum(served) == REQUESTS
    # A page pinned to one replica would give one of them nothing; a fair coin gives each
    # fewer than 5 of 40 about once in ten million runs.
    assert min(served) >= 5
