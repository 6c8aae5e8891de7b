"""The HTTP client against the real backend, a closed port, a silent socket and a stand-in."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontend.client import BackendClient, BackendError, LocalizationUnavailable
from frontend.overlays import decode_png
from tests.frontend.stub_backend import StubBackend

# What a plain-language message must never contain.
JARGON = ("Traceback", "HTTPConnectionPool", "Errno", "urllib3", "Max retries")


def jpeg(path: Path) -> tuple[str, bytes, str]:
    """Return a sample image as the client takes it."""
    return (path.name, path.read_bytes(), "image/jpeg")


@pytest.mark.server
def test_health_reports_the_served_model(live_backend: str) -> None:
    health = BackendClient(live_backend).health()
    assert health.model_version.startswith(health.model_name)


@pytest.mark.server
def test_metadata_lists_seven_classes_and_limits(live_backend: str) -> None:
    meta = BackendClient(live_backend).metadata()
    assert len(meta.classes) == 7
    assert meta.max_files >= 1 and meta.max_upload_bytes > 0
    assert "HAM10000" in meta.disclaimer


@pytest.mark.server
def test_predict_one_image_gives_one_prediction(live_backend: str, sample_jpeg: bytes) -> None:
    [prediction] = BackendClient(live_backend).predict([("lesion.jpg", sample_jpeg, "image/jpeg")])
    assert len(prediction.probabilities) == 7
    assert prediction.confidence == pytest.approx(max(prediction.probabilities.values()))
    # seven probabilities rounded to 4 decimals sum to 1 within 7 × 0.00005 (README)
    assert sum(prediction.probabilities.values()) == pytest.approx(1, abs=4e-4)


@pytest.mark.server
def test_predict_several_images_keeps_their_order(
    live_backend: str, sample_paths: list[Path]
) -> None:
    client = BackendClient(live_backend)
    files = [jpeg(p) for p in sample_paths[:3]]
    together = client.predict(files)
    alone = [client.predict([f])[0] for f in files]
    assert [p.label for p in together] == [p.label for p in alone]
    for joint, single in zip(together, alone, strict=True):
        assert joint.confidence == pytest.approx(single.confidence, abs=1e-5)


@pytest.mark.server
def test_predict_undecodable_upload_raises_plain_message(live_backend: str) -> None:
    with pytest.raises(BackendError) as caught:
        BackendClient(live_backend).predict([("notes.png", b"not an image", "image/png")])
    assert (caught.value.status, caught.value.code) == (400, "invalid_image")
    assert caught.value.message.startswith("The backend refused the upload:")
    assert "notes.png" in caught.value.message
    assert caught.value.detail == "'notes.png': not an image, or damaged beyond reading"


@pytest.mark.server
def test_predict_too_many_files_raises_plain_message(live_backend: str, sample_jpeg: bytes) -> None:
    client = BackendClient(live_backend)
    limit = client.metadata().max_files
    files = [(f"{i}.jpg", sample_jpeg, "image/jpeg") for i in range(limit + 1)]
    with pytest.raises(BackendError, match="limit") as caught:
        client.predict(files)
    assert caught.value.code == "too_many_files"


def test_predict_nothing_sends_nothing(closed_url: str) -> None:
    assert BackendClient(closed_url).predict([]) == []


def test_backend_down_raises_plain_message(closed_url: str) -> None:
    with pytest.raises(BackendError) as caught:
        BackendClient(closed_url).health()
    message = caught.value.message
    assert message.startswith(f"Cannot reach the backend at {closed_url}.")
    assert "BACKEND_URL" in message
    assert not any(word in message for word in JARGON)


@pytest.fixture()
def silent_url() -> Iterator[str]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_slow_backend_raises_plain_message(silent_url: str) -> None:
    with pytest.raises(BackendError) as caught:
        BackendClient(silent_url, read_timeout=0.5).health()
    assert "did not answer within 0.5 seconds" in caught.value.message
    assert caught.value.status is None


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "expected"),
    [
        (
            "GET",
            "/health",
            503,
            {"status": "unavailable", "reason": "model not warmed up"},
            "running but not ready yet (model not warmed up)",
        ),
        ("GET", "/metadata", 502, b"<html>Bad Gateway</html>", "answered HTTP 502 to /metadata"),
        (
            "GET",
            "/health",
            404,
            {"error": {"code": "not_found", "message": "nope"}},
            "Check that BACKEND_URL points to the lesion classifier's backend",
        ),
        (
            "POST",
            "/predict",
            500,
            {"error": {"code": "internal_error", "message": "boom"}},
            "The backend failed (HTTP 500): boom.",
        ),
        (
            "POST",
            "/predict",
            503,
            {"error": {"code": "not_ready", "message": "loading"}},
            "not ready yet: loading.",
        ),
        (
            "POST",
            "/predict",
            413,
            {"error": {"code": "payload_too_large", "message": "too big"}},
            "The backend refused the upload: too big.",
        ),
        ("GET", "/health", 200, {"status": "ok"}, "does not understand"),
        ("GET", "/health", 200, b"<html>a web page</html>", "does not understand"),
    ],
)
def test_error_answers_become_plain_messages(
    stub_backend: StubBackend, method: str, path: str, status: int, body: object, expected: str
) -> None:
    stub_backend.reply(
        method, path, status, body, "text/html" if isinstance(body, bytes) else "application/json"
    )
    client = BackendClient(stub_backend.url)
    call = client.health if path == "/health" else client.metadata
    with pytest.raises(BackendError) as caught:
        if method == "POST":
            client.predict([("a.jpg", b"jpeg", "image/jpeg")])
        else:
            call()
    assert caught.value.message.startswith("The backend")
    assert expected in caught.value.message
    assert not any(word in caught.value.message for word in JARGON)


def test_localize_gives_prediction_and_overlays_the_size_of_the_upload(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.localizing()
    localization = BackendClient(stub_backend.url).localize(("a.jpg", sample_jpeg, "image/jpeg"))
    assert localization.prediction.label == "mel"
    assert localization.lesion.found and localization.lesion.mask_png is not None
    assert decode_png(localization.lesion.mask_png).size == (120, 90)
    assert localization.heatmap is not None and localization.heatmap.class_code == "mel"
    [sent] = stub_backend.requests_to("/localize")
    assert sent.files["file"] == sample_jpeg
    assert sent.fields == {}, "no class field asks about the predicted class"


def test_localize_sends_the_chosen_class(stub_backend: StubBackend, sample_jpeg: bytes) -> None:
    stub_backend.localizing()
    localization = BackendClient(stub_backend.url).localize(
        ("a.jpg", sample_jpeg, "image/jpeg"), "bcc"
    )
    assert stub_backend.requests_to("/localize")[0].fields == {"class": "bcc"}
    assert localization.heatmap is not None and localization.heatmap.class_code == "bcc"


def test_localize_unknown_class_raises_plain_message(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.localizing()
    with pytest.raises(BackendError) as caught:
        BackendClient(stub_backend.url).localize(("a.jpg", sample_jpeg, "image/jpeg"), "xyz")
    assert not isinstance(caught.value, LocalizationUnavailable)
    assert (caught.value.status, caught.value.code) == (400, "unknown_class")
    assert caught.value.message == "The backend refused the upload: unknown class 'xyz'."


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, {"error": {"code": "localization_unavailable", "message": "no segmenter"}}),
        (503, {"error": {"code": "localisation_unavailable", "message": "no segmenter"}}),
        (404, {"error": {"code": "not_found", "message": "no such route"}}),
        (404, b"not found"),
        (405, {"error": {"code": "method_not_allowed", "message": "no"}}),
    ],
    ids=["no segmenter", "no segmenter, older spelling", "older backend", "plain 404", "405"],
)
def test_localize_on_a_backend_that_cannot_raises_localization_unavailable(
    stub_backend: StubBackend, status: int, body: object
) -> None:
    stub_backend.reply(
        "POST",
        "/localize",
        status,
        body,
        "text/plain" if isinstance(body, bytes) else "application/json",
    )
    with pytest.raises(LocalizationUnavailable, match="Localization is unavailable on this server"):
        BackendClient(stub_backend.url).localize(("a.jpg", b"jpeg", "image/jpeg"))


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (503, "not_ready", "The backend is not ready yet: loading."),
        (500, "internal_error", "The backend failed (HTTP 500): loading."),
    ],
)
def test_localize_failures_are_not_mistaken_for_no_localization(
    stub_backend: StubBackend, status: int, code: str, expected: str
) -> None:
    stub_backend.reply("POST", "/localize", status, {"error": {"code": code, "message": "loading"}})
    with pytest.raises(BackendError) as caught:
        BackendClient(stub_backend.url).localize(("a.jpg", b"jpeg", "image/jpeg"))
    assert not isinstance(caught.value, LocalizationUnavailable)
    assert caught.value.message.startswith(expected)


@pytest.mark.server
def test_models_lists_what_the_backend_serves(live_backend: str) -> None:
    catalogue = BackendClient(live_backend).models()
    assert catalogue is not None and catalogue.default == catalogue.models[0].name
    assert catalogue.models[0].input_size == (28, 28)


def test_models_of_a_backend_without_the_route_is_none(stub_backend: StubBackend) -> None:
    assert BackendClient(stub_backend.url).models() is None


def test_a_client_for_a_model_names_it_in_every_upload(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.classifying().localizing()
    client = BackendClient(stub_backend.url)
    bound = client.for_model("wide")
    bound.predict([("a.jpg", sample_jpeg, "image/jpeg")])
    bound.localize(("a.jpg", sample_jpeg, "image/jpeg"), "bcc")
    client.predict([("a.jpg", sample_jpeg, "image/jpeg")])
    first, unbound = stub_backend.requests_to("/predict")
    assert first.fields == {"model": "wide"} and unbound.fields == {}
    assert stub_backend.requests_to("/localize")[0].fields == {"class": "bcc", "model": "wide"}


@pytest.mark.server
def test_an_unknown_model_is_not_mistaken_for_no_localization(
    live_backend: str, sample_jpeg: bytes
) -> None:
    with pytest.raises(BackendError) as caught:
        BackendClient(live_backend).for_model("gone").localize(("a.jpg", sample_jpeg, "image/jpeg"))
    assert not isinstance(caught.value, LocalizationUnavailable)
    assert (caught.value.status, caught.value.code) == (404, "unknown_model")
    assert (
        "no longer serves that model" in caught.value.message and "Reload" in caught.value.message
    )
