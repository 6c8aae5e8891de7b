"""Frontend fixtures: sample images, a closed port, a stand-in backend, a Streamlit server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.frontend.stub_backend import StubBackend, start_stub
from tests.servers import BIN, REPO_ROOT, free_port, running

SAMPLES = REPO_ROOT / "samples"


@pytest.fixture()
def stub_backend() -> Iterator[StubBackend]:
    """A scripted stand-in backend that answers nothing until told to."""
    server = start_stub()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def closed_url() -> str:
    """The URL of a loopback port that nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    """The demo JPEGs shipped in samples/, in name order."""
    paths = sorted(SAMPLES.glob("*.jpg"))
    if not paths:
        pytest.skip(f"no sample images in {SAMPLES}")
    return paths


@pytest.fixture(scope="module")
def streamlit_url(live_backend: str) -> Iterator[str]:
    """`streamlit run frontend/app.py` on a free loopback port, talking to live_backend."""
    port = free_port()
    env = {
        "BACKEND_URL": live_backend,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        str(BIN / "streamlit"),
        "run",
        "frontend/app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    url = f"http://127.0.0.1:{port}"
    with running(command, env, url, "/_stcore/health"):
        yield url
