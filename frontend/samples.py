"""The demo images shipped in samples/: one HAM10000 image per class, with the dataset's label."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
ATTRIBUTION = (
    "Demo images from HAM10000 (Tschandl P., Rosendahl C., Kittler H., Sci. Data 5, 180161, "
    "2018; doi:10.1038/sdata.2018.161), licensed CC BY-NC 4.0."
)
# How HAM10000's `dx_type` column says a diagnosis was confirmed.
CONFIRMATION = {
    "histo": "histopathology",
    "consensus": "expert consensus",
    "follow_up": "follow-up examination",
    "confocal": "confocal microscopy",
}


@dataclass(frozen=True)
class Sample:
    """One demo image and what the dataset says it shows."""

    image_id: str
    lesion_id: str
    dx: str
    dx_type: str
    path: Path
    shipped_model_part: str = ""  # train, val or test in the shipped model's split

    @property
    def seen_in_training(self) -> bool:
        """Return whether the shipped model trained (or chose its checkpoint) on this lesion."""
        return self.shipped_model_part in ("train", "val")

    @property
    def confirmation(self) -> str:
        """Return how the dataset's diagnosis was confirmed, in words."""
        return CONFIRMATION.get(self.dx_type, self.dx_type)


def load_samples(folder: Path = SAMPLES_DIR) -> list[Sample]:
    """Return the samples listed in folder/samples.csv whose JPEG is present, in file order."""
    listing = folder / "samples.csv"
    if not listing.is_file():
        return []
    with listing.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    samples = [
        Sample(
            row["image_id"],
            row["lesion_id"],
            row["dx"],
            row["dx_type"],
            folder / f"{row['image_id']}.jpg",
            row.get("shipped_model_part", ""),
        )
        for row in rows
    ]
    return [s for s in samples if s.path.is_file()]
