"""In real headless Chromium: every model's answer side by side, and a non-dermoscopic upload
warned above its class name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontend.input_check import NOT_DERMOSCOPIC_TITLE
from frontend.model_picker import COMPARE_LABEL
from tests.backend.images import not_dermoscopy
from tests.frontend.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    open_connected_page,
    skip_without_chromium,
    upload,
)
from tests.frontend.conftest import streamlit_server
from tests.frontend.several_models import several_models_backend
from tests.servers import REPO_ROOT

SCREENSHOT = ARTIFACTS / "frontend_models_side_by_side.png"
DERMOSCOPY = REPO_ROOT / "samples" / "ISIC_0024318.jpg"

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.heavy(17)]


@pytest.fixture(scope="module")
def models_page(tmp_path_factory: pytest.TempPathFactory, input_check_path: Path) -> Iterator[str]:
    """The page talking to the real backend with three classifiers and the input check."""
    folder = tmp_path_factory.mktemp("models")
    with (
        several_models_backend(folder, input_check_path) as backend,
        streamlit_server(backend) as url,
    ):
        yield url


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
        page.get_by_text(COMPARE_LABEL).click()
        expect(page.get_by_role("switch", name=COMPARE_LABEL)).to_be_checked()
        upload(page, [str(DERMOSCOPY), str(stripes)])

        charts = page.locator("[data-testid='stVegaLiteChart']")
        expect(charts).to_have_count(6)  # two images × three models
        for name in ("resnet_small_2x", "paper_cnn", "wide"):
            expect(page.get_by_text(name, exact=True)).to_have_count(2)
        warnings = page.get_by_text(NOT_DERMOSCOPIC_TITLE)
        expect(warnings).to_have_count(3)  # once per model, for the stripes only
        expect(page.get_by_text("(unreliable)", exact=False)).to_have_count(6)
        for warning in warnings.all():
            box = warning.bounding_box()
            assert box is not None and box["x"] > 300, "on the answer, not in the sidebar"

        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        browser.close()
