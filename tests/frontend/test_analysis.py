"""Asking the backend once per image: /localize first, /predict in batches where it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontend.analysis import PART_OVERHEAD_BYTES, analyse, batches, classify, localize
from frontend.client import BackendClient, BackendError
from frontend.responses import Localization, Prediction
from tests.frontend.stub_backend import PREDICTION, StubBackend


def image(name: str, size: int = 10) -> tuple[str, bytes, str]:
    """Return a fake image of `size` bytes whose content depends on its name."""
    return (name, name.encode().ljust(size, b"."), "image/jpeg")


def test_batches_respect_the_file_limit() -> None:
    files = [image(str(i)) for i in range(5)]
    assert [len(b) for b in batches(files, max_files=2, max_bytes=10**6)] == [2, 2, 1]


def test_batches_respect_the_byte_limit_and_keep_order() -> None:
    files = [image(str(i), size=400) for i in range(4)]
    groups = batches(files, max_files=16, max_bytes=2 * (400 + PART_OVERHEAD_BYTES))
    assert [[f[0] for f in g] for g in groups] == [["0", "1"], ["2", "3"]]


def test_an_image_over_the_byte_limit_goes_alone() -> None:
    assert [len(b) for b in batches([image("big", 5000)], 16, 100)] == [1]


@pytest.mark.server
def test_classify_reports_a_bad_image_beside_good_ones(
    live_backend: str, sample_paths: list[Path]
) -> None:
    good = sample_paths[0]
    files = [(good.name, good.read_bytes(), "image/jpeg"), ("bad.png", b"nope", "image/png")]
    outcomes = classify(BackendClient(live_backend), files, 16, 10**7, {})
    assert isinstance(outcomes[0], Prediction)
    assert isinstance(outcomes[1], BackendError) and "bad.png" in outcomes[1].message
    assert outcomes[1].code == "invalid_image"
    assert outcomes[1].detail == "file 2 ('bad.png'): not an image, or damaged beyond reading"


@pytest.mark.server
def test_classify_sends_only_images_it_has_not_seen(
    live_backend: str, closed_url: str, sample_paths: list[Path]
) -> None:
    files = [(p.name, p.read_bytes(), "image/jpeg") for p in sample_paths[:2]]
    memo: dict[str, Prediction] = {}
    first = classify(BackendClient(live_backend), files, 16, 10**7, memo)
    # A client that cannot reach anything still answers from the memo.
    again = classify(BackendClient(closed_url), list(reversed(files)), 16, 10**7, memo)
    assert again == list(reversed(first))


def test_classify_raises_when_the_backend_is_down(closed_url: str) -> None:
    with pytest.raises(BackendError, match="Cannot reach"):
        classify(BackendClient(closed_url), [image("a")], 16, 10**7, {})


def test_localize_asks_once_per_image_and_class(
    stub_backend: StubBackend, closed_url: str, sample_jpeg: bytes
) -> None:
    stub_backend.localizing()
    file = ("a.jpg", sample_jpeg, "image/jpeg")
    memo: dict[tuple[str, str], Localization | None] = {}
    first = localize(BackendClient(stub_backend.url), file, None, memo)
    chosen = localize(BackendClient(stub_backend.url), file, "bcc", memo)
    # A client that cannot reach anything still answers from the memo.
    assert localize(BackendClient(closed_url), file, None, memo) == first
    assert localize(BackendClient(closed_url), file, "bcc", memo) == chosen
    assert [r.fields for r in stub_backend.requests_to("/localize")] == [{}, {"class": "bcc"}]


def test_localize_remembers_that_the_backend_cannot(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.localizing(available=False)
    client, memo = BackendClient(stub_backend.url), {}
    file = ("a.jpg", sample_jpeg, "image/jpeg")
    assert localize(client, file, None, memo) is None
    assert localize(client, file, None, memo) is None
    assert len(stub_backend.requests_to("/localize")) == 1


def test_localize_raises_and_forgets_other_failures(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.reply(
        "POST", "/localize", 500, {"error": {"code": "internal_error", "message": "x"}}
    )
    memo: dict[tuple[str, str], Localization | None] = {}
    with pytest.raises(BackendError, match="HTTP 500"):
        localize(BackendClient(stub_backend.url), ("a.jpg", sample_jpeg, "image/jpeg"), None, memo)
    assert memo == {}, "a failure is not remembered, so the next run of the page tries again"


def test_analyse_answers_from_localize_alone(stub_backend: StubBackend, sample_jpeg: bytes) -> None:
    stub_backend.classifying().localizing()
    client, localizations = BackendClient(stub_backend.url), {}
    files = [("a.jpg", sample_jpeg, "image/jpeg")]
    [outcome] = analyse(client, files, 16, 10**7, localizations, {})
    assert isinstance(outcome, Prediction) and outcome.label == "mel"
    assert analyse(client, files, 16, 10**7, localizations, {}) == [outcome], "remembered"
    assert len(stub_backend.requests_to("/localize")) == 1
    assert not stub_backend.requests_to("/predict")


def test_analyse_keeps_a_refusal_beside_good_images(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.localizing()
    files = [("bad.png", b"nope", "image/png"), ("a.jpg", sample_jpeg, "image/jpeg")]
    bad, good = analyse(BackendClient(stub_backend.url), files, 16, 10**7, {}, {})
    assert isinstance(bad, BackendError) and bad.status == 400 and "not an image" in bad.message
    assert isinstance(good, Prediction)


def test_analyse_falls_back_to_predict_once_the_backend_cannot_localize(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.classifying().localizing(available=False)
    files = [("a.jpg", sample_jpeg, "image/jpeg")]
    localizations: dict[tuple[str, str], Localization | None] = {}
    predictions: dict[str, Prediction] = {}
    [outcome] = analyse(
        BackendClient(stub_backend.url), files, 16, 10**7, localizations, predictions
    )
    assert isinstance(outcome, Prediction)
    assert list(localizations.values()) == [None] and len(predictions) == 1
    analyse(BackendClient(stub_backend.url), files, 16, 10**7, localizations, predictions)
    assert (
        len(stub_backend.requests_to("/localize")) == len(stub_backend.requests_to("/predict")) == 1
    )


def test_analyse_asks_localize_once_per_page_where_the_backend_cannot(
    stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    stub_backend.localizing(available=False).reply(
        "POST", "/predict", 200, {"results": [PREDICTION, PREDICTION], "model_version": "stub-1"}
    )
    files = [("a.jpg", sample_jpeg, "image/jpeg"), ("b.jpg", sample_jpeg + b"\0", "image/jpeg")]
    client, localizations = BackendClient(stub_backend.url), {}
    outcomes = analyse(client, files, 16, 10**7, localizations, {})
    assert all(isinstance(o, Prediction) for o in outcomes)
    # What each result card then asks: nothing, the answer is remembered.
    assert [localize(client, f, None, localizations) for f in files] == [None, None]
    assert len(stub_backend.requests_to("/localize")) == 1
    assert len(stub_backend.requests_to("/predict")) == 1


def test_analyse_raises_when_the_backend_is_down(closed_url: str, sample_jpeg: bytes) -> None:
    with pytest.raises(BackendError, match="Cannot reach"):
        analyse(
            BackendClient(closed_url), [("a.jpg", sample_jpeg, "image/jpeg")], 16, 10**7, {}, {}
        )
