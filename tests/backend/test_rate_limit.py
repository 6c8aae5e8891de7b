"""RATE_LIMIT: off by default; over it, 429 JSON with Retry-After, one budget per key or address."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from backend.app import create_app
from backend.auth import key_id
from backend.settings import Settings, SettingsError
from tests.conftest import SHIPPED_SEGMENTER
from tests.servers import gunicorn_server

KEY = "rate-test-key-alpha-0123"
OTHER_KEY = "rate-test-key-bravo-4567"


@pytest.fixture()
def limited(predictor, segmenter, model_path: Path) -> Callable[..., FlaskClient]:
    """Return a test client of a fresh app (fresh counts) limited to `limit`, with `keys`."""

    def make(limit: str, keys: tuple[str, ...] = ()) -> FlaskClient:
        settings = Settings(
            model_path=model_path, segmenter_path=SHIPPED_SEGMENTER, rate_limit=limit, api_keys=keys
        )
        return create_app(settings, predictor, segmenter).test_client()

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_no_limit_by_default():
    assert Settings.from_env({}).rate_limit is None


@pytest.mark.parametrize("value", ["60/minute", "5/second", "10/second;300/hour", "100 per day"])
def test_rate_limit_takes_the_limits_notation(value):
    assert Settings.from_env({"RATE_LIMIT": value}).rate_limit == value


@pytest.mark.parametrize("value", ["60", "lots", "60/fortnight", "0/minute"])
def test_unusable_rate_limit_stops_start_up(value):
    with pytest.raises(SettingsError, match=r"RATE_LIMIT=.*write it like 60/minute"):
        Settings.from_env({"RATE_LIMIT": value})


def test_storage_is_in_memory_unless_told():
    assert Settings.from_env({}).rate_limit_storage == "memory://"
    redis = {"RATE_LIMIT_STORAGE_URI": "redis://redis:6379"}
    assert Settings.from_env(redis).rate_limit_storage == "redis://redis:6379"


def test_over_the_limit_is_429_json_with_retry_after(limited):
    client = limited("2/minute")
    assert [client.get("/metadata").status_code for _ in range(2)] == [200, 200]
    response = client.get("/metadata")
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert "2 per 1 minute" in response.json["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_one_budget_covers_every_endpoint(limited, sample_jpeg):
    client = limited("2/minute")
    assert client.get("/metadata").status_code == 200
    data = {"file": (io.BytesIO(sample_jpeg), "x.jpg")}
    assert client.post("/predict", data=data).status_code == 200
    assert client.get("/openapi.json").status_code == 429


@pytest.mark.parametrize("path", ["/health", "/livez", "/metrics"])
def test_probes_and_metrics_are_never_limited(limited, path):
    client = limited("1/minute")
    assert {client.get(path).status_code for _ in range(5)} == {200}


def test_each_key_has_its_own_budget(limited):
    client = limited("1/minute", keys=(KEY, OTHER_KEY))
    assert client.get("/metadata", headers=bearer(KEY)).status_code == 200
    assert client.get("/metadata", headers=bearer(KEY)).status_code == 429
    assert client.get("/metadata", headers=bearer(OTHER_KEY)).status_code == 200


def test_wrong_keys_do_not_spend_a_real_keys_budget(limited):
    client = limited("1/minute", keys=(KEY,))
    assert {client.get("/metadata", headers=bearer("x" * 20)).status_code for _ in range(3)} == {
        401
    }
    assert client.get("/metadata", headers=bearer(KEY)).status_code == 200


def test_without_keys_each_client_address_has_its_own_budget(limited):
    client = limited("1/minute")
    first, second = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    assert client.get("/metadata", environ_base=first).status_code == 200
    assert client.get("/metadata", environ_base=first).status_code == 429
    assert client.get("/metadata", environ_base=second).status_code == 200


def test_the_limiters_log_names_a_key_by_its_id_only(limited, caplog):
    client = limited("1/minute", keys=(KEY,))
    with caplog.at_level(logging.INFO):
        client.get("/metadata", headers=bearer(KEY))
        client.get("/metadata", headers=bearer(KEY))
    assert key_id(KEY) in caplog.text
    assert KEY not in caplog.text


@pytest.fixture(scope="module")
def limited_server(model_path: Path) -> Iterator[str]:
    """gunicorn with one worker (so the in-memory count is exact), two keys and 3/minute."""
    env = {"API_KEYS": f"{KEY},{OTHER_KEY}", "RATE_LIMIT": "3/minute"}
    with gunicorn_server(model_path, env=env, workers=1) as (url, _):
        yield url


@pytest.mark.server
def test_real_server_limits_each_key(limited_server):
    url = limited_server
    statuses = [
        requests.get(f"{url}/metadata", headers=bearer(KEY), timeout=10).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = requests.get(f"{url}/metadata", headers=bearer(KEY), timeout=10)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert requests.get(f"{url}/metadata", headers=bearer(OTHER_KEY), timeout=10).ok
    assert requests.get(f"{url}/health", timeout=10).ok


@pytest.fixture()
def proxied(predictor, segmenter, model_path: Path) -> Callable[..., FlaskClient]:
    """Return a test client of a fresh app behind `hops` trusted proxies, with its limits."""

    def make(hops: int, limit: str | None = None, megapixels: str | None = None) -> FlaskClient:
        settings = Settings(
            model_path=model_path,
            segmenter_path=SHIPPED_SEGMENTER,
            rate_limit=limit,
            megapixel_limit=megapixels,
            trusted_proxy_hops=hops,
        )
        return create_app(settings, predictor, segmenter).test_client()

    return make


def via_proxy(client: FlaskClient, address: str) -> int:
    """Return the status of /metadata as a proxy at 172.18.0.5 forwards it for `address`."""
    return client.get(
        "/metadata",
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": "172.18.0.5"},
    ).status_code


def test_behind_a_trusted_proxy_each_real_client_has_its_own_budget(proxied):
    client = proxied(1, "2/minute")
    assert [via_proxy(client, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert via_proxy(client, "198.51.100.9") == 200, "another client, the same proxy"


def test_without_trusted_hops_a_forwarded_header_is_ignored(proxied):
    client = proxied(0, "2/minute")
    # Anyone can send X-Forwarded-For: with no proxy trusted, the socket's address counts.
    statuses = [via_proxy(client, f"203.0.113.{i}") for i in range(3)]
    assert statuses == [200, 200, 429]


def test_megapixels_are_counted_per_client_and_refused_over_the_limit(proxied):
    from tests.conftest import encode, lesion_like_image

    client = proxied(0, megapixels="3/minute")
    # 1.08 megapixels, counted as 2; a small JPEG, so the test client keeps it in memory.
    image = encode(lesion_like_image(1200, 900), "JPEG")

    def post() -> requests.Response:
        return client.post("/predict", data={"file": (io.BytesIO(image), "a.png")})

    assert post().status_code == 200
    refused = post()
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "megapixels" in error["message"]


def test_megapixel_limit_is_read_like_the_request_limit():
    assert (
        Settings.from_env({"RATE_LIMIT_MEGAPIXELS": "500/minute"}).megapixel_limit == "500/minute"
    )
    with pytest.raises(SettingsError, match="RATE_LIMIT_MEGAPIXELS="):
        Settings.from_env({"RATE_LIMIT_MEGAPIXELS": "lots"})
