"""End to end in real headless Chromium: upload a sample JPEG and see the model's answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from frontend.report_buttons import REPORT_LABEL
from tests.conftest import HOST_NETWORK
from tests.frontend.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    RESULT_HEADING,
    open_connected_page,
    open_page,
    skip_without_chromium,
    upload,
    upload_until_drawn,
)

SCREENSHOT = ARTIFACTS / "frontend_result.png"
OVERLAY_SCREENSHOT = ARTIFACTS / "frontend_overlays.png"
TABLE_SCREENSHOT = ARTIFACTS / "frontend_table.png"
GONE_SCREENSHOT = ARTIFACTS / "frontend_service_gone.png"
REPORT_SCREENSHOT = ARTIFACTS / "frontend_report_button.png"
CODES = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.heavy(60),
    pytest.mark.xdist_group(HOST_NETWORK),  # one at a time, with the Docker stacks
]


@pytest.fixture(scope="module")
def playwright():
    """Playwright, started once for the module; skips when Chromium is not installed."""
    skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright):
    """A headless Debian Chromium driven by Playwright."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def test_uploaded_jpeg_shows_class_and_chart(
    browser, streamlit_url: str, sample_paths: list[Path]
) -> None:
    page = open_connected_page(browser, streamlit_url, 1280, 1200)
    # A melanoma from the shipped model's held-out test part: an honest example to look at.
    melanoma = next(p for p in sample_paths if p.stem == "ISIC_0024400")
    chart = page.locator("[data-testid='stVegaLiteChart']")
    upload_until_drawn(page, str(melanoma), chart)
    heading = page.locator("h3").filter(has_text=RESULT_HEADING)
    heading.wait_for()
    # Streamlit draws the card's parts one after another: wait for the text, as for the chart.
    page.get_by_text("Probability of this class").wait_for(state="visible")
    assert RESULT_HEADING.search(heading.inner_text().strip())

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.close()


def test_uploaded_jpeg_shows_overlays_with_their_toggles(
    browser, localizing_streamlit_url: str, sample_paths: list[Path]
) -> None:
    from playwright.sync_api import expect

    page = open_connected_page(browser, localizing_streamlit_url, 1280, 1200)
    melanoma = next(p for p in sample_paths if p.stem == "ISIC_0024400")
    upload(page, str(melanoma))

    page.get_by_text("research aids", exact=False).wait_for()
    picture = page.locator("[data-testid='stImage'] img")
    expect(picture).to_have_count(1)
    expect(picture).to_have_js_property("naturalWidth", 600)
    expect(picture).to_have_js_property("naturalHeight", 450)
    for label in ("Lesion outline and box", "Heat-map"):
        expect(page.get_by_role("switch", name=label)).to_be_checked()
    overlaid = picture.get_attribute("src") or ""

    page.get_by_text("Heat-map", exact=True).click()
    expect(page.get_by_role("switch", name="Heat-map")).not_to_be_checked()
    expect(picture).not_to_have_attribute("src", overlaid)

    OVERLAY_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(OVERLAY_SCREENSHOT), full_page=True)
    page.close()


def test_the_cards_report_button_downloads_a_pdf(
    playwright, localizing_streamlit_url: str, sample_paths: list[Path], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    downloads = tmp_path / "downloads"  # the browser's download folder
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, downloads_path=str(downloads)
    )
    page = open_connected_page(browser, localizing_streamlit_url, 1280, 1200)
    upload(page, str(next(p for p in sample_paths if p.stem == "ISIC_0024400")))
    button = page.get_by_role("button", name=REPORT_LABEL, exact=True)
    button.wait_for()
    with page.expect_download() as started:
        button.click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename == "ISIC_0024400_report.pdf"
    [saved] = [p for p in downloads.iterdir() if p.is_file()]
    assert saved.read_bytes().startswith(b"%PDF-")
    [report] = PdfReader(saved).pages
    assert "Image file: ISIC_0024400.jpg" in report.extract_text()
    REPORT_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORT_SCREENSHOT), full_page=True)
    browser.close()


def test_results_table_shows_every_class_and_a_refusal_in_full_at_1400_px(
    browser, streamlit_url: str, sample_paths: list[Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = open_connected_page(browser, streamlit_url, 1400, 1000)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    upload(page, [*map(str, sample_paths[:3]), str(broken)])

    table = page.locator("[data-testid='stTable'] table")
    table.wait_for()
    for code in CODES:
        header = table.locator("th", has_text=re.compile(f"^{code}$"))
        expect(header).to_be_visible()
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1400, f"{code} is cut off"
    reason = (
        "The backend refused the upload: 'broken.png': not an image, or damaged beyond reading."
    )
    cell = table.locator("td", has_text="broken.png': not an image")
    expect(cell).to_have_text(reason)
    assert cell.evaluate("e => e.scrollWidth <= e.clientWidth"), "the reason is not truncated"
    percentages = table.locator("td", has_text="%").all_inner_texts()
    assert len(percentages) == 3 * 8
    assert all(re.fullmatch(r"\d+\.\d%", p.strip()) for p in percentages), percentages

    TABLE_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(TABLE_SCREENSHOT), full_page=True)
    page.close()


def test_a_file_over_the_upload_cap_is_refused_by_the_browser(
    browser, streamlit_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = open_connected_page(browser, streamlit_url, 1400, 1000)
    expect(page.get_by_text("Add one or several images")).to_be_visible()
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff" * 12 * 2**20)  # over the backend's default 10 MB
    upload(page, str(huge))

    # The browser refuses it at the service's limit: it never reaches the page's server.
    expect(page.get_by_text(re.compile(r"must be 10(\.0)?\s?MB or smaller"))).to_be_visible()
    expect(page.get_by_text("A file over 10 MB is refused where it is dropped")).to_be_visible()
    expect(page.get_by_text("Classifying")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "upload_over_the_cap.png"), full_page=True)
    page.close()


def test_page_says_so_when_the_service_goes_away_and_comes_back(
    browser, localizing_stub_page
) -> None:
    from playwright.sync_api import expect

    stub, url = localizing_stub_page
    page = open_connected_page(browser, url, 1400, 900)
    # No click, no reload from here on: the sidebar's own check notices within seconds.
    stub.gone = True
    try:
        gone = page.get_by_text("The classification service has gone away")
        expect(gone).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"Not reachable at {stub.url}")).to_be_visible()
        expect(page.get_by_text("Connected to")).to_have_count(0)
        expect(page.get_by_text("Connection error")).to_have_count(0)
        GONE_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(GONE_SCREENSHOT))
    finally:
        stub.gone = False
    expect(page.get_by_text("Connected to")).to_be_visible(timeout=60_000)
    expect(gone).to_have_count(0)
    page.close()


def test_page_stopped_by_a_failed_metadata_request_carries_on_by_itself(
    browser, localizing_stub_page
) -> None:
    from playwright.sync_api import expect

    from tests.frontend.stub_backend import METADATA_OK

    stub, url = localizing_stub_page
    error = {"error": {"code": "unavailable", "message": "warming up"}}
    stub.reply("GET", "/metadata", 503, error)  # /health still answers
    try:
        page = open_page(browser, url, 1280, 900)
        expect(page.get_by_text("warming up", exact=False)).to_be_visible()
        expect(page.locator("input[type=file]")).to_have_count(0)
    finally:
        stub.reply("GET", "/metadata", 200, METADATA_OK)
    # No click, no reload: the sidebar's next check draws the page again.
    expect(page.locator("input[type=file]")).to_have_count(1, timeout=60_000)
    expect(page.get_by_text("warming up", exact=False)).to_have_count(0)
    page.close()
