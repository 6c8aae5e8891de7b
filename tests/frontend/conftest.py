"""Frontend fixtures: sample images, a closed port, stand-in backends, Streamlit servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def streamlit_server(backend_url: str) -> Iterator[str]:
    """Run `streamlit run frontend/app.py` on a free loopback port against `backend_url`."""
    port = free_port()
    env = {
        "BACKEND_URL": backend_url,
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


@pytest.fixture(scope="module")
def streamlit_url(live_backend: str) -> Iterator[str]:
    """The Streamlit page on a free loopback port, talking to live_backend."""
    with streamlit_server(live_backend) as url:
        yield url


@pytest.fixture(scope="module")
def localizing_stub_page() -> Iterator[tuple[StubBackend, str]]:
    """A stand-in backend that classifies and localises, and the Streamlit page talking to it;
    yields (stand-in, page URL)."""
    stub = start_stub().healthy().classifying().localizing()
    try:
        with streamlit_server(stub.url) as url:
            yield stub, url
    finally:
        stub.shutdown()
        stub.server_close()


@pytest.fixture(scope="module")
def localizing_streamlit_url(localizing_stub_page: tuple[StubBackend, str]) -> str:
    """The Streamlit page talking to a stand-in backend that classifies and localises."""
    return localizing_stub_page[1]
