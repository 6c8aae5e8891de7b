"""What /localize answers: the prediction, where the lesion is and what the classifier looked at."""

from __future__ import annotations

from pydantic import Field, field_validator

from lesion_api.base import WireModel
from lesion_api.predictions import ClassCode, Fraction, Prediction

PNG_BASE64 = {"contentEncoding": "base64", "contentMediaType": "image/png"}


class Lesion(WireModel):
    """The segmenter's lesion: its mask and bounding box in the upload's own pixels."""

    found: bool = Field(description="whether the segmenter found a lesion")
    box: tuple[int, int, int, int] | None = Field(
        description="[x0, y0, x1, y1] in the upload's pixels as displayed (after EXIF rotation); "
        "x1 and y1 exclusive; null when no lesion was found"
    )
    area_fraction: Fraction = Field(description="share of the image's pixels in the mask")
    mask_png: str = Field(
        description="greyscale PNG of the upload's size: 255 lesion, 0 background",
        json_schema_extra=PNG_BASE64,
    )

    @field_validator("box")
    @classmethod
    def _not_empty(cls, box: tuple[int, int, int, int] | None) -> tuple[int, int, int, int] | None:
        """Refuse a box whose far corner is not beyond its near one."""
        if box is not None and not (box[0] < box[2] and box[1] < box[3]):
            raise ValueError(f"box {list(box)} is empty")
        return box


class LocalizeAnswer(Prediction):
    """The /predict answer for one image plus its lesion and a Grad-CAM heat-map."""

    lesion: Lesion
    heatmap_png: str | None = Field(
        description="RGBA overlay (jet colours, transparent where the class got no support) of "
        "Grad-CAM on the classifier's last feature map; the upload's size, scaled down to fit "
        "1024 px when larger; null when the served model has no activation maps (e.g. the "
        "paper CNN)",
        json_schema_extra=PNG_BASE64,
    )
    heatmap_class: ClassCode | None = Field(description="the class the heat-map explains")
    heatmap_size: tuple[int, int] | None = Field(
        description="[width, height] of heatmap_png: width first, like an image size and the "
        "lesion box's x before y (the classifiers' input_size is [height, width]); null "
        "without a heat-map"
    )
    segmenter_version: str = Field(description="name and content hash of the segmenter")
