"""Headless Debian Chromium driven by Playwright, for the page's end-to-end tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
# How long a step may take: a busy machine renders several charts slowly.
STEP_TIMEOUT_MS = 60_000
# How long Streamlit may take to draw its (still empty) app before the page is reloaded once.
DRAWN_TIMEOUT_MS = 30_000
# How long an upload may take to show that Streamlit's lazily loaded code failed to arrive.
UPLOAD_SETTLE_MS = 2_000
MODULE_FETCH_FAILED = "Failed to fetch dynamically imported module"
# The result heading: a class name followed by its code in brackets, e.g. "Melanoma (mel)".
RESULT_HEADING = re.compile(r"\((akiec|bcc|bkl|df|mel|nv|vasc)\)$")


def skip_without_chromium() -> None:
    """Skip the calling test when Debian's Chromium is not installed."""
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


def open_page(browser: Browser, url: str, width: int, height: int) -> Page:
    """Open the page at `url` in a `width`×`height` viewport, with STEP_TIMEOUT_MS for every
    step and every `expect`, without waiting for it to connect.

    If Streamlit has not drawn its app at all after DRAWN_TIMEOUT_MS, the page is reloaded once,
    as a user would: on a loaded CI-like run a page once stayed blank, Streamlit's own script
    never having run. The requests that failed are printed, for the test's log."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)  # its own default, 5 s, is short on a busy machine
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.goto(url)
    try:
        page.locator("[data-testid='stApp']").wait_for(timeout=DRAWN_TIMEOUT_MS)
    except PlaywrightTimeout:
        print(f"{url} still blank after {DRAWN_TIMEOUT_MS / 1000:g} s; failed requests: {failed}")
        page.reload()
    return page


def upload(page: Page, files: str | list[str]) -> None:
    """Give the page's file uploader `files`. Streamlit loads the uploader's code only now; on a
    loaded run that fetch once failed ("Failed to fetch dynamically imported module"), and once
    the uploader never appeared within STEP_TIMEOUT_MS, so in either case what the page shows is
    printed, the page is reloaded and the files given again, once, as a user would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator("input[type=file]").set_input_files(files)
    except PlaywrightTimeout:
        reload_connected(page, "no file uploader")
        page.locator("input[type=file]").set_input_files(files)
        return
    try:  # .first: the page shows the failure once per element whose code did not arrive
        page.get_by_text(MODULE_FETCH_FAILED).first.wait_for(timeout=UPLOAD_SETTLE_MS)
    except PlaywrightTimeout:
        return
    reload_connected(page, "the uploader's code failed to load")
    page.locator("input[type=file]").set_input_files(files)


def reload_connected(page: Page, why: str) -> None:
    """Print `why` and what the page shows, for the test's log, then reload it and wait until
    its sidebar says "Connected to" again."""
    shown = page.locator("body").inner_text(timeout=5_000)
    print(f"{why} on {page.url}; the page shows:\n{shown[:2000]}\nreloading once")
    page.reload()
    page.get_by_text("Connected to").wait_for()


def upload_until_drawn(
    page: Page,
    files: str | list[str],
    drawn: Locator,
    count: int = 1,
    prepare: Callable[[], None] = lambda: None,
) -> None:
    """Upload `files` and wait until the page shows `count` of `drawn`; `prepare` sets the page
    up again after a reload. Streamlit fetches a
    chart's code only when it first draws one; on a loaded CI run that code once never arrived
    (no chart within STEP_TIMEOUT_MS, in two tests at once), so when `drawn` is missing, or the
    page says a module failed to load, what it shows is printed for the log and the page is
    reloaded and given the files again, once, as a user would."""
    from playwright.sync_api import expect

    upload(page, files)
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while time.monotonic() < deadline and drawn.count() < count:
        if page.get_by_text(MODULE_FETCH_FAILED).count():
            break
        page.wait_for_timeout(250)
    if drawn.count() >= count:
        expect(drawn).to_have_count(count)
        return
    reload_connected(page, f"{drawn} drawn {drawn.count()} of {count} times")
    prepare()
    upload(page, files)
    expect(drawn).to_have_count(count)


def choose(page: Page, label: str, option: str) -> None:
    """Pick the first option containing `option` in the page's selectbox labelled `label`."""
    labelled = page.get_by_text(label, exact=True)
    page.locator("[data-testid='stSelectbox']").filter(has=labelled).locator("input").click()
    page.get_by_role("option").filter(has_text=option).first.click()


def bars_top_down(chart: Locator) -> list[tuple[str, float]]:
    """Return (class, probability in %) of each bar of a drawn probability chart, top to bottom,
    from the labels Vega gives its bars ("Probability (%): 88.63; Class: Melanoma (mel); …")."""
    bars = []
    for bar in chart.locator("[aria-roledescription='bar']").all():
        label = bar.get_attribute("aria-label") or ""
        fields = dict(part.split(": ", 1) for part in label.split("; "))
        box = bar.bounding_box()
        assert box is not None, f"bar {label!r} is not drawn"
        bars.append((box["y"], fields["Class"], float(fields["Probability (%)"])))
    return [(name, probability) for _, name, probability in sorted(bars)]


def x_axis(chart: Locator) -> tuple[list[str], float]:
    """Return the tick labels a drawn probability chart shows under its bars, left to right (not
    those Vega hid where they crowd), and the axis's width in pixels."""
    axis = chart.locator("[aria-label^='X-axis']")
    labels = [
        label.text_content() or ""
        for label in axis.locator(".role-axis-label text").all()
        if label.get_attribute("opacity") != "0"
    ]
    box = axis.bounding_box()
    assert box is not None, "the chart has no x-axis drawn"
    return labels, box["width"]


def wait_until_idle(page: Page) -> None:
    """Wait until Streamlit has finished running the script and holds no stale element from an
    earlier run: until then an element can still sit where an earlier run drew something else."""
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " && !document.querySelector(\"[data-stale='true']\")",
        timeout=STEP_TIMEOUT_MS,
    )


def open_connected_page(browser: Browser, url: str, width: int, height: int) -> Page:
    """Open the page like `open_page` and wait until its sidebar says "Connected to"; fail
    with what it shows instead, and a screenshot, when it does not."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = open_page(browser, url, width, height)
    try:
        page.get_by_text("Connected to").wait_for()
    except PlaywrightTimeout:
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / f"not_connected_{time.strftime('%H%M%S')}.png"
        page.screenshot(path=str(screenshot), full_page=True)
        shown = page.locator("body").inner_text(timeout=5_000)
        pytest.fail(
            f"{url} did not say 'Connected to' within {STEP_TIMEOUT_MS / 1000:g} s; "
            f"it shows:\n{shown[:3000]}\n(screenshot: {screenshot})"
        )
    return page
