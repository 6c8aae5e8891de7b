"""API keys: off by default; with keys set, a Bearer key opens all but the public endpoints."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend.app import create_app
from backend.auth import bearer_token, is_known, key_id
from backend.log_format import JsonFormatter
from backend.settings import Settings, SettingsError
from frontend.client import BackendClient, BackendError
from tests.conftest import SHIPPED_SEGMENTER
from tests.servers import gunicorn_server

KEY = "test-key-alpha-0123456789"
OTHER_KEY = "test-key-bravo-9876543210"


@pytest.fixture()
def keyed_client(predictor, segmenter, model_path: Path):
    """A test client of an app that takes KEY and OTHER_KEY."""
    settings = Settings(
        model_path=model_path, segmenter_path=SHIPPED_SEGMENTER, api_keys=(KEY, OTHER_KEY)
    )
    return create_app(settings, predictor, segmenter).test_client()


@pytest.fixture()
def backend_log() -> Iterator[io.StringIO]:
    """Everything the backend logs during a test, as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("backend")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token_is_read_from_the_authorization_header(header, token):
    assert bearer_token(header) == token


def test_a_token_is_known_only_when_it_equals_a_key():
    import hashlib

    digests = [hashlib.sha256(k.encode()).digest() for k in (KEY, OTHER_KEY)]
    assert is_known(KEY, digests) and is_known(OTHER_KEY, digests)
    assert not is_known(KEY[:-1], digests) and not is_known(KEY + "x", digests)


def test_key_id_names_a_key_without_showing_it():
    assert key_id(KEY) == key_id(KEY) != key_id(OTHER_KEY)
    assert KEY not in key_id(KEY)


def test_keys_are_off_by_default():
    assert Settings.from_env({}).api_keys == ()


def test_api_keys_are_a_comma_separated_list():
    settings = Settings.from_env({"API_KEYS": f" {KEY} ,{OTHER_KEY},, "})
    assert settings.api_keys == (KEY, OTHER_KEY)


def test_api_keys_file_holds_keys_per_line_with_comments(tmp_path):
    secret = tmp_path / "keys"
    secret.write_text(f"# the clinic's keys\n{KEY}\n\n{OTHER_KEY}  # the lab\n")
    assert Settings.from_env({"API_KEYS_FILE": str(secret)}).api_keys == (KEY, OTHER_KEY)


def test_settings_never_show_a_key():
    assert KEY not in repr(Settings.from_env({"API_KEYS": KEY}))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"API_KEYS": "tiny"}, "key 1 is shorter than 16 characters"),
        ({"API_KEYS": f"{KEY},has a space in it"}, "key 2 is shorter than 16 characters or holds"),
        ({"API_KEYS": KEY, "API_KEYS_FILE": "/k"}, "not both"),
        ({"API_KEYS_FILE": "/no/such/file"}, "cannot read it"),
    ],
)
def test_unusable_keys_stop_start_up_without_showing_them(env, message):
    with pytest.raises(SettingsError, match=message) as error:
        Settings.from_env(env)
    for key in filter(None, env.get("API_KEYS", "").split(",")):
        assert key not in str(error.value)


def test_an_empty_keys_file_is_refused(tmp_path):
    empty = tmp_path / "keys"
    empty.write_text("# nothing yet\n")
    with pytest.raises(SettingsError, match="holds no key"):
        Settings.from_env({"API_KEYS_FILE": str(empty)})


def test_without_keys_every_endpoint_is_open(client):
    assert client.get("/metadata").status_code == 200


def test_missing_key_is_401_json_with_a_bearer_challenge(keyed_client):
    response = keyed_client.get("/metadata")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "missing_api_key"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="lesion-classifier"'


@pytest.mark.parametrize("header", [f"Bearer {KEY}x", f"Bearer {KEY[:-1]}", f"Basic {KEY}"])
def test_wrong_key_is_401(keyed_client, header):
    response = keyed_client.get("/metadata", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"]["code"] in ("invalid_api_key", "missing_api_key")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_wrong_key_is_named_an_invalid_token(keyed_client):
    response = keyed_client.get("/metadata", headers=bearer("x" * 20))
    assert response.json["error"]["code"] == "invalid_api_key"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/metadata"), ("get", "/openapi.json"), ("post", "/predict"), ("post", "/localize")],
)
def test_every_other_endpoint_needs_a_key(keyed_client, method, path):
    assert getattr(keyed_client, method)(path).status_code == 401


@pytest.mark.parametrize("path", ["/health", "/livez", "/metrics"])
def test_probes_and_metrics_need_no_key(keyed_client, path):
    assert keyed_client.get(path).status_code == 200


@pytest.mark.parametrize("key", [KEY, OTHER_KEY])
def test_each_configured_key_classifies(keyed_client, sample_jpeg, key):
    data = {"file": (io.BytesIO(sample_jpeg), "x.jpg")}
    assert keyed_client.post("/predict", data=data, headers=bearer(key)).status_code == 200


def test_keys_never_reach_the_log(keyed_client, sample_jpeg, backend_log):
    wrong = "wrong-key-that-must-not-be-logged"
    keyed_client.get("/metadata", headers=bearer(wrong))
    data = {"file": (io.BytesIO(sample_jpeg), "x.jpg")}
    keyed_client.post("/predict", data=data, headers=bearer(KEY))
    text = backend_log.getvalue()
    assert '"status": 401' in text and '"status": 200' in text
    assert KEY not in text and wrong not in text


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, model_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with its keys in a file, as a container secret gives them; yields (URL, log)."""
    folder = tmp_path_factory.mktemp("keyed")
    secret, log = folder / "api_keys", folder / "server.log"
    secret.write_text(f"{KEY}\n{OTHER_KEY}\n")
    env = {
        "API_KEYS_FILE": str(secret),
        "GUNICORN_CMD_ARGS": f"--capture-output --error-logfile {log}",
    }
    with gunicorn_server(model_path, env=env, workers=1) as (url, _):
        yield url, log


@pytest.mark.server
def test_real_server_asks_for_a_key_and_takes_one_from_its_keys_file(keyed_server):
    url, log = keyed_server
    refused = requests.get(f"{url}/metadata", timeout=10)
    assert refused.status_code == 401 and "WWW-Authenticate" in refused.headers
    assert requests.get(f"{url}/metadata", headers=bearer(KEY), timeout=10).status_code == 200
    assert requests.get(f"{url}/health", timeout=10).status_code == 200
    assert KEY not in log.read_text()


@pytest.mark.server
def test_the_page_sends_its_backend_api_key(keyed_server):
    url, _ = keyed_server
    assert BackendClient(url, api_key=OTHER_KEY).metadata().max_files > 0
    with pytest.raises(BackendError) as refused:
        BackendClient(url).metadata()
    assert refused.value.status == 401


def test_the_page_reads_its_key_from_backend_api_key():
    from frontend.settings import Settings as PageSettings

    assert PageSettings.from_env({}).api_key is None
    settings = PageSettings.from_env({"BACKEND_API_KEY": f" {KEY} ", "BACKEND_TIMEOUT": "5"})
    assert settings.api_key == KEY and KEY not in repr(settings)
