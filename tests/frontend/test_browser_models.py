"""In real headless Chromium: the chart and the image after switching models, every model's
answer side by side (their charts level, on the same 0–100 % axis), and a non-dermoscopic upload
warned above its class name."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from frontend.input_check import NOT_DERMOSCOPIC_TITLE
from frontend.model_picker import COMPARE_LABEL
from tests.backend.images import not_dermoscopy
from tests.conftest import HOST_NETWORK
from tests.frontend.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    RESULT_HEADING,
    STEP_TIMEOUT_MS,
    bars_top_down,
    choose,
    open_connected_page,
    skip_without_chromium,
    upload_until_drawn,
    wait_until_idle,
    x_axis,
)
from tests.frontend.conftest import streamlit_server
from tests.servers import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

SCREENSHOT = ARTIFACTS / "frontend_models_side_by_side.png"
SWITCHED_SCREENSHOT = ARTIFACTS / "frontend_models_switched.png"
DERMOSCOPY = REPO_ROOT / "samples" / "ISIC_0024318.jpg"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.heavy(25),
    pytest.mark.xdist_group(HOST_NETWORK),  # one at a time, with the Docker stacks
]


@pytest.fixture(scope="module")
def models_page(models_backend: str) -> Iterator[str]:
    """The page talking to the real backend with three classifiers and the input check."""
    with streamlit_server(models_backend) as url:
        yield url


def answer_chart(page: Page, model: str) -> list[tuple[str, float]]:
    """Return the bars of the one result card's chart, top to bottom, once the chart shows
    `model`'s answer (its top class at the probability the card prints) high to low, or as they
    are when it never does."""
    page.get_by_text(f"Answered by {model}", exact=True).wait_for()
    heading = page.locator("h3").filter(has_text=RESULT_HEADING).inner_text().strip()
    figure = page.locator("[data-testid='stMetricValue']").first.inner_text().strip()  # "63.9%"
    chart = page.locator("[data-testid='stVegaLiteChart']")
    deadline, bars, shown = time.monotonic() + STEP_TIMEOUT_MS / 1000, [], False
    while time.monotonic() < deadline:
        try:
            bars = bars_top_down(chart) if chart.count() == 1 else []
        except AssertionError:  # a bar caught between two drawings: read it again
            bars = []
        probabilities = [p for _, p in bars]
        # Settled: the answer shown, and drawn high to low (a chart read while Vega redraws it
        # can be half old); the stale order never settles, so the test still fails it.
        settled = probabilities == sorted(probabilities, reverse=True)
        answer = f"{dict(bars).get(heading, -1):.1f}%" == figure
        if answer and settled:
            return bars
        shown = shown or answer
        time.sleep(0.5)
    if not shown:
        raise AssertionError(f"the chart never showed {model}'s {heading} at {figure}")
    return bars  # shown but never high to low: the caller's assertion says so


def level_boxes(charts: list[Locator]) -> list[dict[str, float]]:
    """Return the bounding boxes of `charts` once their tops are level (within 1 px), or as
    they are when they never are, for the caller's assertion; a chart still being drawn is
    measured again."""
    deadline, boxes = time.monotonic() + STEP_TIMEOUT_MS / 1000, []
    while time.monotonic() < deadline:
        boxes = [chart.bounding_box() for chart in charts]
        assert all(box is not None for box in boxes)
        if max(b["y"] for b in boxes) - min(b["y"] for b in boxes) <= 1:
            return boxes
        time.sleep(0.5)
    raise AssertionError(f"the charts' tops never came level: {boxes}")


def test_the_chart_keeps_the_highest_bar_on_top_after_switching_models(models_page: str) -> None:
    skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = open_connected_page(browser, models_page, 1400, 1800)
        page.get_by_role("tab", name="Demo samples").click()
        choose(page, "Demo image", "ISIC_0024400")
        for switch_to in (None, "paper_cnn", "resnet_small_2x"):  # preselected, then both ways
            if switch_to is not None:
                choose(page, "Model", switch_to)
            model = switch_to or "resnet_small_2x"
            bars = answer_chart(page, model)
            probabilities = [p for _, p in bars]
            assert probabilities == sorted(probabilities, reverse=True), f"{model}: {bars}"
            wait_until_idle(page)
            version = page.locator("[data-testid='stSidebar'] code").inner_text()
            assert version.startswith(f"{model}-"), "the sidebar names the picked model"
            if model == "paper_cnn":
                SWITCHED_SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SWITCHED_SCREENSHOT), full_page=True)

        picture = page.locator("[data-testid='stImage'] img").first.bounding_box()
        chart = page.locator("[data-testid='stVegaLiteChart']").bounding_box()  # card-wide
        assert picture is not None and chart is not None
        assert picture["width"] >= 0.45 * chart["width"], "the image fills half the card"
        browser.close()


def test_every_model_side_by_side_and_a_non_dermoscopic_upload_warned(
    models_page: str, tmp_path: Path
) -> None:
    skip_without_chromium()
    from playwright.sync_api import expect, sync_playwright

    stripes = tmp_path / "stripes.png"
    stripes.write_bytes(not_dermoscopy())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = open_connected_page(browser, models_page, 1400, 2400)

        def compare() -> None:
            page.get_by_text(COMPARE_LABEL).click()
            expect(page.get_by_role("switch", name=COMPARE_LABEL)).to_be_checked()

        compare()
        charts = page.locator("[data-testid='stVegaLiteChart']")
        upload_until_drawn(page, [str(DERMOSCOPY), str(stripes)], charts, 6, compare)  # 2 × 3
        # A fresh-clone CI run measured one image's charts 56 px apart while the page was busy.
        wait_until_idle(page)
        for image in range(2):  # each image's charts start level, their bars at one x
            boxes = level_boxes([charts.nth(3 * image + i) for i in range(3)])
            starts = []
            for i in range(3):
                first_bar = charts.nth(3 * image + i).locator("[aria-roledescription='bar']")
                starts.append(first_bar.first.bounding_box()["x"] - boxes[i]["x"])
            assert max(starts) - min(starts) <= 1, starts
            # The same 0–100 % axis in each: labelled to 100, and as wide, whatever the answers.
            axes = [x_axis(charts.nth(3 * image + i)) for i in range(3)]
            assert all(labels[0] == "0" and labels[-1] == "100" for labels, _ in axes), axes
            widths = [width for _, width in axes]
            assert max(widths) - min(widths) <= 1, axes
        for name in ("resnet_small_2x", "paper_cnn", "wide"):
            expect(page.get_by_text(name, exact=True)).to_have_count(2)
        warnings = page.get_by_text(NOT_DERMOSCOPIC_TITLE)
        expect(warnings).to_have_count(3)  # once per model, for the stripes only
        # Per model: the class's probability, its tag and the probability of a malignant class.
        expect(page.get_by_text("(unreliable)", exact=False)).to_have_count(9)
        for warning in warnings.all():
            box = warning.bounding_box()
            assert box is not None and box["x"] > 300, "on the answer, not in the sidebar"

        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
