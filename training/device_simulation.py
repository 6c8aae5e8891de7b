"""Simulate other dermatoscopes on a HAM10000 photo: what an image looks like from another
device, clinic or camera setting.

Each draw may add a round or rectangular vignette (black or dark grey), rotate by any angle with
black corners, cast a colour, change the exposure, blur mildly and re-encode as JPEG at a random
quality. The result goes through the shared preprocessing like any upload (its field-of-view crop
included), so a model trains on the views the service really produces.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# How often each change is drawn, and its range.
P_ROUND = 0.35  # round field of view
P_RECT = 0.15  # rectangular vignette (black bars), when not round
ROUND_DIAMETER = (0.8, 1.15)  # of the shorter side; > 1 clips the disc at two edges
BORDER_GREY = (0, 40)  # the border's level: black to dark grey
P_ROTATE = 0.5
P_CAST = 0.5
CAST_GAIN = (0.8, 1.2)  # each channel's gain, the mean gain kept at 1
EXPOSURE = (0.7, 1.3)  # every pixel value times this
P_BLUR = 0.3
BLUR_RADIUS = (0.3, 1.2)  # Gaussian, in pixels of the 200×150 photo
P_JPEG = 0.7
JPEG_QUALITY = (40, 95)


@dataclass(frozen=True)
class DeviceLook:
    """One draw of the simulated device: which changes apply and how strongly."""

    round_diameter: float | None  # of the shorter side
    bars: tuple[float, float] | None  # (horizontal, vertical) border share per side
    border_grey: int
    angle: float  # degrees; 0: not rotated
    flip: bool
    gains: tuple[float, float, float]
    exposure: float
    blur_radius: float  # 0: none
    jpeg_quality: int | None


def draw_look(rng: np.random.Generator) -> DeviceLook:
    """Return a random DeviceLook."""
    round_field = rng.random() < P_ROUND
    bars = None
    if not round_field and rng.random() < P_RECT:
        bars = (float(rng.uniform(0.0, 0.15)), float(rng.uniform(0.0, 0.15)))
    gains = (1.0, 1.0, 1.0)
    if rng.random() < P_CAST:
        raw = rng.uniform(*CAST_GAIN, size=3)
        gains = tuple(float(g) for g in raw / raw.mean())
    return DeviceLook(
        round_diameter=float(rng.uniform(*ROUND_DIAMETER)) if round_field else None,
        bars=bars,
        border_grey=int(rng.integers(BORDER_GREY[0], BORDER_GREY[1] + 1)),
        angle=float(rng.uniform(0, 360)) if rng.random() < P_ROTATE else 0.0,
        flip=bool(rng.random() < 0.5),
        gains=gains,
        exposure=float(rng.uniform(*EXPOSURE)),
        blur_radius=float(rng.uniform(*BLUR_RADIUS)) if rng.random() < P_BLUR else 0.0,
        jpeg_quality=int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))
        if rng.random() < P_JPEG
        else None,
    )


def rotated(image: Image.Image, angle: float) -> Image.Image:
    """Return the image rotated by `angle` degrees about its centre, same size, black corners."""
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))


def disc_masked(image: Image.Image, diameter: float, grey: int = 0) -> Image.Image:
    """Return the image outside a centred disc of `diameter` × the shorter side set to `grey`."""
    width, height = image.size
    d = diameter * min(width, height)
    mask = Image.new("L", image.size, 0)
    box = ((width - d) / 2, (height - d) / 2, (width + d) / 2, (height + d) / 2)
    ImageDraw.Draw(mask).ellipse(box, fill=255)
    return Image.composite(image, Image.new("RGB", image.size, (grey,) * 3), mask)


def barred(image: Image.Image, bars: tuple[float, float], grey: int = 0) -> Image.Image:
    """Return the image with `grey` bars of bars = (left/right, top/bottom) share on each side."""
    width, height = image.size
    bx, by = round(bars[0] * width), round(bars[1] * height)
    out = Image.new("RGB", image.size, (grey,) * 3)
    out.paste(image.crop((bx, by, width - bx, height - by)), (bx, by))
    return out


def scaled_colours(image: Image.Image, gains: tuple[float, float, float]) -> Image.Image:
    """Return the image with each channel times its gain, rounded and clipped."""
    pixels = np.asarray(image, dtype=np.float32) * np.asarray(gains, dtype=np.float32)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def jpeg_round_trip(image: Image.Image, quality: int) -> Image.Image:
    """Return the image as a decoder reads it back after JPEG encoding at `quality`."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def as_device(image: Image.Image, look: DeviceLook) -> Image.Image:
    """Return an RGB photo as the simulated device `look` would have taken it."""
    if look.flip:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if look.angle:
        image = rotated(image, look.angle)
    r, g, b = look.gains
    image = scaled_colours(image, (r * look.exposure, g * look.exposure, b * look.exposure))
    if look.blur_radius:
        image = image.filter(ImageFilter.GaussianBlur(look.blur_radius))
    if look.round_diameter is not None:
        image = disc_masked(image, look.round_diameter, look.border_grey)
    elif look.bars is not None:
        image = barred(image, look.bars, look.border_grey)
    if look.jpeg_quality is not None:
        image = jpeg_round_trip(image, look.jpeg_quality)
    return image


COLOUR_CAST = (1.15, 1.0, 0.85)  # a warm cast: red up, blue down, by 15 %
# Fixed looks of other devices, for the robustness report (training.classifier.robustness) and
# the input check's judgement: made from a photo at full resolution, then preprocessed like an
# upload (the field-of-view crop included).
DEVICE_SHIFTS = {
    "disc_100": lambda image: disc_masked(image, 1.0),
    "disc_85": lambda image: disc_masked(image, 0.85),
    "rotate_45": lambda image: rotated(image, 45.0),
    "colour_cast": lambda image: scaled_colours(image, COLOUR_CAST),
    "darker_30": lambda image: scaled_colours(image, (0.7, 0.7, 0.7)),
    "jpeg_40": lambda image: jpeg_round_trip(image, 40),
}
