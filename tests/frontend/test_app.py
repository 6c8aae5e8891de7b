"""The Streamlit page under AppTest, against the real backend and a scripted stand-in."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import requests
from PIL import Image
from streamlit.testing.v1 import AppTest

from frontend.downloads import DOWNLOAD_LABEL
from lesion_api.rows import COLUMNS
from lesion_cli.main import main as lesion_main
from lesion_core.labels import CLASS_CODES
from tests.conftest import encode
from tests.frontend.stub_backend import METADATA_OK, StubBackend, start_stub
from tests.servers import REPO_ROOT, free_port, gunicorn_server, stop

pytestmark = pytest.mark.heavy(65)

APP = str(REPO_ROOT / "frontend" / "app.py")
CLASS_NAMES = (
    "Actinic keratoses and intraepithelial carcinoma",
    "Basal cell carcinoma",
    "Benign keratosis-like lesions",
    "Dermatofibroma",
    "Melanoma",
    "Melanocytic nevi",
    "Vascular lesions",
)


def run_app(monkeypatch: pytest.MonkeyPatch, backend_url: str) -> AppTest:
    """Return the page after its first run against `backend_url`."""
    monkeypatch.setenv("BACKEND_URL", backend_url)
    return AppTest.from_file(APP, default_timeout=60).run()


def chart_count(at: AppTest) -> int:
    """Return how many Vega-Lite charts (the probability bars) the page shows."""
    return len(at.get("vega_lite_chart"))


def test_page_states_it_is_no_diagnosis(monkeypatch: pytest.MonkeyPatch, closed_url: str) -> None:
    at = run_app(monkeypatch, closed_url)
    note = at.warning[0].value
    assert "not a diagnosis" in note and "HAM10000" in note and "dermatoscopic" in note


@pytest.mark.server
def test_sidebar_shows_backend_and_model_version(
    monkeypatch: pytest.MonkeyPatch, live_backend: str
) -> None:
    at = run_app(monkeypatch, live_backend)
    assert not at.exception and not at.error
    assert at.sidebar.success[0].value == f"Connected to {live_backend}"
    assert any("Model version" in c.value for c in at.sidebar.caption)
    [figures] = [c.value for c in at.sidebar.caption if c.value.startswith("On lesions it never")]
    assert "balanced accuracy 0." in figures and "melanoma recall 0." in figures


@pytest.mark.server
def test_demo_sample_is_classified_beside_its_dataset_label(
    monkeypatch: pytest.MonkeyPatch, live_backend: str
) -> None:
    at = run_app(monkeypatch, live_backend)
    assert any("CC BY-NC 4.0" in c.value for c in at.caption)
    at.selectbox(key="sample").select("ISIC_0024400").run()
    assert not at.exception and not at.error
    heading = at.subheader[0].value
    assert heading.endswith(")") and heading.split(" (")[0] in CLASS_NAMES
    assert (
        "Dataset label: **Melanoma (mel)**, confirmed by histopathology. This lesion is in the "
        "shipped model's held-out test part." in [m.value for m in at.markdown]
    )
    assert re.fullmatch(r"\d+\.\d%", at.metric[0].value)
    assert chart_count(at) == 1


@pytest.mark.server
def test_one_upload_is_classified(
    monkeypatch: pytest.MonkeyPatch, live_backend: str, sample_paths: list[Path]
) -> None:
    at = run_app(monkeypatch, live_backend)
    lesion = sample_paths[0].read_bytes()  # real dermoscopy: the input check raises no warning
    at.file_uploader(key="uploads").set_value(("lesion.jpg", lesion, "image/jpeg")).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value.split(" (")[0] in CLASS_NAMES
    assert chart_count(at) == 1
    assert not at.dataframe, "one image needs no table"
    assert at.download_button(key="download_csv").label == DOWNLOAD_LABEL, "its row all the same"


@pytest.mark.server
def test_several_uploads_get_a_table_and_csv(
    monkeypatch: pytest.MonkeyPatch, live_backend: str, sample_paths: list[Path], downloaded
) -> None:
    at = run_app(monkeypatch, live_backend)
    files = [(p.name, p.read_bytes(), "image/jpeg") for p in sample_paths[:3]]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception and not at.error
    table = at.table[0].value
    assert table["Image"].tolist() == [p.name for p in sample_paths[:3]]
    assert table.columns.tolist()[-7:] == ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]
    assert at.download_button(key="download_csv").label == DOWNLOAD_LABEL
    assert [row["path"] for row in downloaded(at, "download_csv")] == [f[0] for f in files]
    assert chart_count(at) == 3


@pytest.mark.server
def test_the_csv_download_is_lesion_predicts_csv_of_the_same_images(
    monkeypatch: pytest.MonkeyPatch,
    live_backend: str,
    sample_paths: list[Path],
    downloaded,
    tmp_path: Path,
) -> None:
    # The service here runs one model and the input check, as `lesion predict` does.
    at = run_app(monkeypatch, live_backend)
    files = [(p.name, p.read_bytes(), "image/jpeg") for p in sample_paths[:2]]
    at.file_uploader(key="uploads").set_value(files).run()
    page = downloaded(at, "download_csv")
    out = tmp_path / "predictions.csv"
    served = requests.get(f"{live_backend}/models", timeout=30).json()["default"]
    command = ["predict", *map(str, sample_paths[:2]), "--model", served, "--out", str(out)]
    assert lesion_main(command) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        cli = list(csv.DictReader(handle))
    assert list(page[0]) == list(cli[0]) == list(COLUMNS), "the same header"
    assert [r["path"] for r in page] == [Path(r["path"]).name for r in cli]
    for row in (*page, *cli):
        del row["path"]  # the page has file names, the command line paths
    assert page == cli


@pytest.mark.server
def test_bad_upload_gets_a_plain_error_beside_good_ones(
    monkeypatch: pytest.MonkeyPatch, live_backend: str, sample_paths: list[Path], downloaded
) -> None:
    at = run_app(monkeypatch, live_backend)
    good = sample_paths[0].read_bytes()
    files = [("good.jpg", good, "image/jpeg"), ("broken.png", b"garbage", "image/png")]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception
    refusal = (
        "The backend refused the upload: 'broken.png': not an image, or damaged beyond reading."
    )
    assert [e.value for e in at.error] == [refusal]
    assert chart_count(at) == 1
    table = at.table[0].value
    assert table["Predicted class"].tolist()[1] == refusal, "in full, in its row"
    assert table.iloc[1, 2:].isna().all(), "no made-up figures beside a refusal"
    answered, refused = downloaded(at, "download_csv")
    assert answered["label"] and not answered["error"]
    assert refused["path"] == "broken.png" and refused["model"] == answered["model"]
    reason = "invalid_image: 'broken.png': not an image, or damaged beyond reading"
    assert refused["error"] == reason, "the service's code and message, as `lesion predict` has"
    assert not any(refused[code] for code in CLASS_CODES) and not refused["label"]


@pytest.mark.server
def test_a_text_file_dropped_with_images_gets_its_own_row(
    monkeypatch: pytest.MonkeyPatch, live_backend: str, sample_paths: list[Path], downloaded
) -> None:
    at = run_app(monkeypatch, live_backend)
    # No type filter: a browser would otherwise drop the .txt before the page ever saw it.
    assert not at.file_uploader(key="uploads").proto.type
    files = [
        ("good.jpg", sample_paths[0].read_bytes(), "image/jpeg"),
        ("notes.txt", b"age 64, left shoulder", "text/plain"),
    ]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The backend refused the upload: 'notes.txt': not an image, or damaged beyond reading."
    ]
    answered, refused = downloaded(at, "download_csv")
    assert answered["label"] and refused["path"] == "notes.txt"
    assert refused["error"].startswith("invalid_image: 'notes.txt'")


def test_more_files_than_the_service_takes_are_cut_to_its_limit_with_a_word(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    limits = METADATA_OK["limits"] | {"max_files": 2}
    stub_backend.healthy().classifying().localizing().reply(
        "GET", "/metadata", 200, METADATA_OK | {"limits": limits}
    )
    at = run_app(monkeypatch, stub_backend.url)
    files = [(f"{i}.jpg", sample_jpeg, "image/jpeg") for i in range(5)]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception
    assert at.error[0].value.startswith("5 files added: the service takes up to 2 at a time.")
    table = at.table[0].value  # one row per file classified
    assert len(table) == 2


@pytest.mark.server
def test_page_says_the_service_is_gone_when_it_stops(
    monkeypatch: pytest.MonkeyPatch, model_path: Path, sample_jpeg: bytes
) -> None:
    with gunicorn_server(model_path) as (url, process):
        at = run_app(monkeypatch, url)
        at.file_uploader(key="uploads").set_value(("lesion.jpg", sample_jpeg, "image/jpeg")).run()
        assert at.sidebar.success[0].value == f"Connected to {url}"
        stop(process)
        at.run()
    assert not at.exception
    assert at.error[0].value.startswith(
        "The classification service has gone away: it answered earlier and does not now. "
        f"Cannot reach the backend at {url}."
    )
    assert not at.sidebar.success, "no stale green 'Connected'"
    assert at.sidebar.error[0].value == f"Not reachable at {url}"


@pytest.mark.server
def test_every_format_the_service_takes_is_offered_and_classified(
    monkeypatch: pytest.MonkeyPatch, live_backend: str
) -> None:
    at = run_app(monkeypatch, live_backend)
    uploader = at.file_uploader(key="uploads")
    assert "(JPEG, PNG, BMP, WEBP, TIFF or DICOM, up to" in uploader.label
    # A real dermoscopic sample, so that the input check has nothing to say either.
    lesion = Image.open(REPO_ROOT / "samples" / "ISIC_0024400.jpg")
    files = [
        (f"lesion.{fmt.lower()}", encode(lesion, fmt), f"image/{fmt.lower()}")
        for fmt in ("BMP", "WEBP", "TIFF")
    ]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception and not at.error
    assert chart_count(at) == 3


def test_uploader_names_jpeg_and_png_for_a_server_that_lists_no_formats(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    stub_backend.healthy().reply("GET", "/metadata", 200, METADATA_OK | {"formats": []})
    uploader = run_app(monkeypatch, stub_backend.url).file_uploader(key="uploads")
    assert "(JPG, JPEG or PNG, up to" in uploader.label


def test_result_says_what_the_model_sees(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    metadata = METADATA_OK | {"model": METADATA_OK["model"] | {"input_size": [64, 64, 3]}}
    stub_backend.healthy().localizing().reply("GET", "/metadata", 200, metadata)
    at = run_app(monkeypatch, stub_backend.url)
    at.file_uploader(key="uploads").set_value(("lesion.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception and not at.error
    assert (
        "What the model sees: this image shrunk to 64×64 pixels, its aspect ratio not kept, so "
        "fine detail of a large photo does not reach it." in [c.value for c in at.caption]
    )


def test_backend_down_says_what_to_check(monkeypatch: pytest.MonkeyPatch, closed_url: str) -> None:
    at = run_app(monkeypatch, closed_url)
    assert not at.exception
    assert at.error[0].value.startswith(f"Cannot reach the backend at {closed_url}.")
    assert "BACKEND_URL" in at.error[0].value
    assert at.sidebar.error[0].value == f"Not reachable at {closed_url}"
    assert not at.file_uploader, "the page stops before offering uploads"


def test_page_recovers_when_backend_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    at = run_app(monkeypatch, f"http://127.0.0.1:{port}")
    assert at.error
    stub = start_stub(port).healthy()
    try:
        at.button(key="retry").click().run()
        assert not at.exception and not at.error
        assert at.file_uploader(key="uploads")
    finally:
        stub.shutdown()
        stub.server_close()


def test_backend_failing_on_predict_says_so(
    monkeypatch: pytest.MonkeyPatch, stub_backend, sample_jpeg: bytes
) -> None:
    stub_backend.healthy().reply(
        "POST", "/predict", 500, {"error": {"code": "internal_error", "message": "boom"}}
    )
    at = run_app(monkeypatch, stub_backend.url)
    at.file_uploader(key="uploads").set_value(("a.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception
    assert at.error[0].value == "The backend failed (HTTP 500): boom. Its log says more."


def test_a_file_over_the_upload_cap_is_refused_by_the_uploader(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    limits = METADATA_OK["limits"] | {"max_upload_bytes": 100_000}
    stub_backend.healthy().localizing().reply(
        "GET", "/metadata", 200, METADATA_OK | {"limits": limits}
    )
    at = run_app(monkeypatch, stub_backend.url)
    # The browser refuses what the service would: its limit, rounded up to whole MB.
    assert at.file_uploader(key="uploads").proto.max_upload_size_mb == 1
    big = ("big.jpg", b"x" * 300_000, "image/jpeg")
    at.file_uploader(key="uploads").set_value([big, ("small.jpg", sample_jpeg, "image/jpeg")]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "big.jpg is 0.3 MB: the service takes images of up to 0.0953674 MB. Shrink it (or save "
        "it as JPEG) and add it again."
    ]
    assert not any("Add one or several images" in c.value for c in at.caption)
    assert [r.files["file"] for r in stub_backend.requests_to("/localize")] == [sample_jpeg]
    assert chart_count(at) == 1


def test_each_image_shown_costs_one_request(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = run_app(monkeypatch, stub_backend.healthy().classifying().localizing().url)
    other = sample_jpeg + b"\0"  # another fingerprint, the same picture
    files = [("a.jpg", sample_jpeg, "image/jpeg"), ("b.jpg", other, "image/jpeg")]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception and not at.error
    assert chart_count(at) == 2 and len(at.image) == 2
    assert len(stub_backend.requests_to("/localize")) == 2
    assert not stub_backend.requests_to("/predict"), "/localize's answer carries the prediction"


def test_page_sends_the_api_key_it_is_given(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    monkeypatch.setenv("BACKEND_API_KEY", "s3cret")
    at = run_app(monkeypatch, stub_backend.healthy().url)
    assert not at.exception and not at.error
    assert {r.headers.get("Authorization") for r in stub_backend.received} == {"Bearer s3cret"}


def test_bad_backend_url_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(monkeypatch, "localhost:8000")
    assert not at.exception
    assert "BACKEND_URL='localhost:8000' must start with http://" in at.error[0].value


def upload(monkeypatch: pytest.MonkeyPatch, stub: StubBackend, data: bytes) -> AppTest:
    """Return the page after uploading one image to a stand-in that classifies it."""
    at = run_app(monkeypatch, stub.healthy().classifying().url)
    return at.file_uploader(key="uploads").set_value(("lesion.jpg", data, "image/jpeg")).run()


def test_overlay_toggles_exist_and_start_on(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = upload(monkeypatch, stub_backend.localizing(), sample_jpeg)
    assert not at.exception and not at.error
    assert at.toggle(key="outline_upload0").value is True
    assert at.toggle(key="heatmap_upload0").value is True
    assert at.selectbox(key="heatmap_class_upload0").value == "predicted"
    assert at.subheader[0].value == "Melanoma (mel)"
    assert len(at.image) == 1
    [note] = [c.value for c in at.caption if "research aids" in c.value]
    assert "Heat-map for Melanoma (mel)" in note
    assert "Grad-CAM on the model's last feature map" in note
    assert "not a diagnosis" in at.warning[0].value, "the research-tool note stays"


def test_switching_an_overlay_redraws_without_asking_again(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = upload(monkeypatch, stub_backend.localizing(), sample_jpeg)
    overlaid = at.image[0].value
    at.toggle(key="heatmap_upload0").set_value(False).run()
    at.toggle(key="outline_upload0").set_value(False).run()
    assert not at.exception and not at.error
    assert at.image[0].value != overlaid
    assert len(stub_backend.requests_to("/localize")) == 1
    [caption] = [c.value for c in at.caption if "uploaded" in c.value]
    assert caption == "Overlays off: the image as uploaded.", "no 'Heat-map for …' then"


def test_choosing_a_class_asks_for_its_heatmap(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = upload(monkeypatch, stub_backend.localizing(), sample_jpeg)
    picker = at.selectbox(key="heatmap_class_upload0")
    assert picker.options == ["predicted class", *CLASS_NAMES]
    picker.select("bcc").run()
    assert not at.exception and not at.error
    assert [r.fields for r in stub_backend.requests_to("/localize")] == [{}, {"class": "bcc"}]
    assert any("Heat-map for Basal cell carcinoma (bcc)" in c.value for c in at.caption)
    at.selectbox(key="heatmap_class_upload0").select("predicted").run()
    at.selectbox(key="heatmap_class_upload0").select("bcc").run()
    assert len(stub_backend.requests_to("/localize")) == 2, "answers are kept per image and class"


def test_no_lesion_found_is_said(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = upload(monkeypatch, stub_backend.localizing(found=False), sample_jpeg)
    assert not at.exception and not at.error
    assert any("No lesion outline found." in c.value for c in at.caption)


@pytest.mark.parametrize("available", [False, None], ids=["503", "no /localize"])
def test_backend_without_localization_still_shows_the_prediction(
    monkeypatch: pytest.MonkeyPatch,
    stub_backend: StubBackend,
    sample_jpeg: bytes,
    available: bool | None,
) -> None:
    if available is not None:
        stub_backend.localizing(available=available)
    at = upload(monkeypatch, stub_backend, sample_jpeg)
    assert not at.exception and not at.error
    assert at.subheader[0].value == "Melanoma (mel)"
    assert chart_count(at) == 1 and len(at.image) == 1
    assert at.info[0].value.startswith("Localization is unavailable on this server")
    assert not at.toggle
    assert len(stub_backend.requests_to("/predict")) == 1
