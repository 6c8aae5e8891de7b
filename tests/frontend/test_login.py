"""FRONTEND_PASSWORD: nothing of the page, not even the service's state, before the password."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from frontend.login import LOGIN_TITLE, WRONG
from frontend.settings import Settings, SettingsError
from tests.frontend.stub_backend import StubBackend
from tests.servers import REPO_ROOT

APP = str(REPO_ROOT / "frontend" / "app.py")
PASSWORD = "correct horse battery"


def run_app(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("BACKEND_URL", url)
    monkeypatch.setenv("FRONTEND_PASSWORD", PASSWORD)
    return AppTest.from_file(APP, default_timeout=60).run()


def test_without_the_password_the_page_shows_only_the_sign_in(monkeypatch, stub_backend):
    at = run_app(monkeypatch, stub_backend.healthy().url)
    assert [h.value for h in at.subheader] == [LOGIN_TITLE]
    assert not at.tabs and not at.sidebar.children, "no service status, no uploader"
    assert not [r for r in stub_backend.received if r.path != "/health"][:1]


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_page(
    monkeypatch, stub_backend: StubBackend
):
    at = run_app(monkeypatch, stub_backend.healthy().url)
    at.text_input(key="password").set_value("guess")  # a form sends its values on submit
    at.button[0].click().run()
    assert WRONG in [e.value for e in at.error] and not at.tabs
    at.text_input(key="password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.text_input, "signed in: the form is gone"
    assert len(at.tabs) == 2, [e.value for e in at.error]


def test_a_short_password_stops_the_page_as_misconfigured():
    with pytest.raises(SettingsError, match="shorter than 12"):
        Settings.from_env({"FRONTEND_PASSWORD": "short"})
    assert Settings.from_env({}).password is None
    assert PASSWORD not in repr(Settings.from_env({"FRONTEND_PASSWORD": PASSWORD}))


def test_the_backend_key_never_reaches_the_browser(monkeypatch, stub_backend, sample_jpeg):
    key = "page-key-0123456789abcdef"
    monkeypatch.setenv("BACKEND_API_KEY", key)
    monkeypatch.setenv("BACKEND_URL", stub_backend.healthy().classifying().localizing().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader(key="uploads").set_value(("a.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception
    sent = [r.headers.get("Authorization") for r in stub_backend.received]
    assert f"Bearer {key}" in sent, "the page's server sends it to the backend"
    assert key not in repr(at._tree), "and nothing the page shows carries it"
