"""Frontend settings come from BACKEND_URL and BACKEND_TIMEOUT, with defaults."""

from __future__ import annotations

import pytest

from frontend.settings import DEFAULT_BACKEND_URL, Settings, SettingsError


def test_defaults_point_to_local_backend() -> None:
    settings = Settings.from_env({})
    assert settings.backend_url == DEFAULT_BACKEND_URL == "http://localhost:8000"
    assert settings.connect_timeout > 0 and settings.read_timeout > 0


def test_backend_url_is_read_without_trailing_slash() -> None:
    settings = Settings.from_env({"BACKEND_URL": " http://10.0.0.5:9000/ "})
    assert settings.backend_url == "http://10.0.0.5:9000"


def test_backend_timeout_sets_read_timeout() -> None:
    assert Settings.from_env({"BACKEND_TIMEOUT": "7.5"}).read_timeout == 7.5


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BACKEND_URL": "localhost:8000"}, "BACKEND_URL"),
        ({"BACKEND_URL": "ftp://host"}, "BACKEND_URL"),
        ({"BACKEND_TIMEOUT": "soon"}, "BACKEND_TIMEOUT"),
        ({"BACKEND_TIMEOUT": "0"}, "BACKEND_TIMEOUT"),
    ],
)
def test_bad_values_are_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
