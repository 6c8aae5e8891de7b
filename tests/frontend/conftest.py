"""Frontend fixtures: sample images, a closed port, stand-in backends, Streamlit servers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.frontend.several_models import several_models_backend
from tests.frontend.stub_backend import StubBackend, start_stub
from tests.servers import BIN, REPO_ROOT, free_port, running

SAMPLES = REPO_ROOT / "samples"


@pytest.fixture()
def downloaded(monkeypatch: pytest.MonkeyPatch) -> Callable[[AppTest, str], list[dict[str, str]]]:
    """Return a function that reads the CSV a page's download button (by key) offers, as rows.
    AppTest drops the files it was given after each run, so they are kept here as they come."""
    kept: dict[str, bytes] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        file_id = store(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            kept[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)

    def rows(at: AppTest, key: str) -> list[dict[str, str]]:
        data = kept[Path(at.download_button(key=key).proto.url).stem]
        text = data.decode("utf-8")
        assert "\r" not in text, "lines end in \\n, as the command line's do"
        return list(csv.DictReader(io.StringIO(text)))

    return rows


@pytest.fixture()
def generated(monkeypatch: pytest.MonkeyPatch) -> Callable[[AppTest, str], bytes]:
    """Return a function that makes the file a page's download button (by key) builds only when
    clicked, as a click does, and returns its bytes. AppTest drops the callables it was given
    after each run, so they are kept here as they come."""
    kept: dict[str, Callable[[], bytes]] = {}
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, *args, **kwargs):
        file_id = register(self, data_callable, *args, **kwargs)
        kept[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)

    def data(at: AppTest, key: str) -> bytes:
        return kept[at.download_button(key=key).proto.deferred_file_id]()

    return data


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


@pytest.fixture(scope="module")
def models_backend(
    tmp_path_factory: pytest.TempPathFactory, input_check_path: Path
) -> Iterator[str]:
    """The real backend serving three classifiers (the last 120×160) and the input check."""
    with several_models_backend(tmp_path_factory.mktemp("models"), input_check_path) as url:
        yield url


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
    """A stand-in backend that classifies and localizes, and the Streamlit page talking to it;
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
    """The Streamlit page talking to a stand-in backend that classifies and localizes."""
    return localizing_stub_page[1]
