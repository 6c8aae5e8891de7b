"""The input check knows dermoscopy, not HAM10000's look: other dermatoscopes' framing passes,
camera close-ups of lesions are flagged."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from tests.conftest import encode
from tests.servers import REPO_ROOT
from training.device_simulation import disc_masked, rotated

SAMPLES = sorted((REPO_ROOT / "samples").glob("*.jpg"))


def verdict(client, data: bytes) -> dict:
    """Return /predict's input_check for an upload."""
    return client.post("/predict", data=data, content_type="image/jpeg").json["input_check"]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("look", ["disc_100", "disc_85", "rotated_30"])
def test_a_sample_through_another_dermatoscopes_field_of_view_passes(client, path, look):
    photo = Image.open(path).convert("RGB")
    framed = {
        "disc_100": lambda: disc_masked(photo, 1.0),
        "disc_85": lambda: disc_masked(photo, 0.85),
        "rotated_30": lambda: rotated(photo, 30.0),
    }[look]()
    check = verdict(client, encode(framed, quality=90))
    assert check["dermoscopic"], check


@pytest.mark.realdata
def test_camera_closeups_are_flagged_and_their_dermoscopy_passes(client, shared_data):
    milk = shared_data.parent / "milk10k"
    if not (milk / "metadata.csv").is_file():
        pytest.skip("MILK10k is not in ../shared/data")
    from training.milk10k import lesion_parts

    table = pd.read_csv(milk / "metadata.csv", dtype=str)
    parts = lesion_parts(table)
    held = table[table["lesion_id"].map(parts) == "val"].head(200)  # never fitted on
    flagged = {"clinical_closeup": [], "dermoscopic": []}
    for row in held.itertuples():
        data = (milk / "images" / f"{row.isic_id}.jpg").read_bytes()
        flagged[row.kind].append(not verdict(client, data)["dermoscopic"])
    assert sum(flagged["clinical_closeup"]) >= 0.85 * len(flagged["clinical_closeup"])
    assert sum(flagged["dermoscopic"]) <= 0.1 * len(flagged["dermoscopic"])
