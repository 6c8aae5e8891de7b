"""Drawing /localize's answer: mask outline, box, heat-map composite and upright uploads."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from frontend.overlays import (
    BOX_COLOUR,
    OUTLINE_COLOUR,
    OverlayError,
    add_heatmap,
    decode_png,
    draw_lesion,
    outline,
    render,
)
from frontend.responses import parse_localization
from tests.frontend.stub_backend import disc, localization_body, png_base64, radial_heatmap

SIZE = (60, 40)
GREY = (128, 128, 128)


def disc_mask(size: tuple[int, int] = SIZE) -> Image.Image:
    """Return the stub's lesion disc as a mode-L mask (0 background, 255 lesion)."""
    return Image.fromarray(np.where(disc(size), 255, 0).astype(np.uint8), "L")


def grey(size: tuple[int, int] = SIZE) -> Image.Image:
    """Return a plain grey RGB image, on which any drawn pixel stands out."""
    return Image.new("RGB", size, GREY)


def jpeg(image: Image.Image, **options: object) -> bytes:
    """Return `image` encoded as JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def has_background_neighbour(inside: np.ndarray) -> np.ndarray:
    """Return the pixels with a 4-neighbour outside the mask or outside the image."""
    padded = np.pad(inside, 1, constant_values=False)
    return ~(padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])


def test_decode_png_gives_the_encoded_image() -> None:
    mask = disc_mask()
    decoded = decode_png(png_base64(mask))
    assert (decoded.size, decoded.mode) == (SIZE, "L")
    assert np.array_equal(np.asarray(decoded), np.asarray(mask))


@pytest.mark.parametrize(
    "data",
    [
        "not base64 at all!",
        base64.b64encode(b"plain text, not a PNG").decode(),
        png_base64(disc_mask())[:40],
        "",
    ],
)
def test_bad_base64_png_raises_overlay_error(data: str) -> None:
    with pytest.raises(OverlayError, match="not a base64 PNG"):
        decode_png(data)


def test_outline_pixels_lie_on_the_mask_edge() -> None:
    inside = disc(SIZE)
    edge = outline(disc_mask())
    assert edge.any()
    assert not (edge & ~inside).any(), "the outline leaves the mask"
    assert np.array_equal(edge, inside & has_background_neighbour(inside))


def test_wider_outline_is_a_band_inside_the_mask() -> None:
    inside = disc(SIZE)
    thin, wide = outline(disc_mask(), 1), outline(disc_mask(), 3)
    assert not (wide & ~inside).any()
    assert (thin <= wide).all() and wide.sum() > thin.sum()
    assert (inside & ~wide).any(), "the band leaves the lesion's middle alone"


def test_lesion_touching_the_border_is_outlined_along_it() -> None:
    full = Image.new("L", SIZE, 255)
    edge = outline(full)
    assert edge[0].all() and edge[-1].all() and edge[:, 0].all() and edge[:, -1].all()
    assert not edge[1:-1, 1:-1].any()


def test_outline_is_drawn_on_the_edge_pixels_only() -> None:
    drawn = np.asarray(draw_lesion(grey(), disc_mask(), box=None))
    changed = (drawn != GREY).any(axis=-1)
    assert np.array_equal(changed, outline(disc_mask()))
    assert (drawn[changed] == OUTLINE_COLOUR).all()


def test_box_is_drawn_on_its_edges_with_x1_and_y1_exclusive() -> None:
    x0, y0, x1, y1 = 5, 6, 20, 16
    drawn = draw_lesion(grey(), mask=None, box=(x0, y0, x1, y1))
    for corner in ((x0, y0), (x1 - 1, y0), (x0, y1 - 1), (x1 - 1, y1 - 1)):
        assert drawn.getpixel(corner) == BOX_COLOUR
    assert drawn.getpixel((12, y0)) == BOX_COLOUR and drawn.getpixel((x0, 11)) == BOX_COLOUR
    for outside_or_inside in ((x1, y0), (x0, y1), (x0 - 1, y0), (12, 11)):
        assert drawn.getpixel(outside_or_inside) == GREY


def test_heatmap_composite_keeps_size_and_clear_parts() -> None:
    heatmap = radial_heatmap(SIZE)
    over = add_heatmap(grey(), heatmap)
    assert (over.size, over.mode) == (SIZE, "RGB")
    assert heatmap.getpixel((0, 0))[3] == 0 and over.getpixel((0, 0)) == GREY
    assert over.getpixel((30, 20)) != GREY


@pytest.mark.parametrize("size", [(SIZE[1], SIZE[0]), (60, 30)])
def test_heatmap_of_another_shape_raises_overlay_error(size: tuple[int, int]) -> None:
    with pytest.raises(OverlayError, match="60×40 image"):
        add_heatmap(grey(), radial_heatmap(size))


def test_scaled_down_heatmap_is_stretched_over_the_image() -> None:
    over = add_heatmap(grey(), radial_heatmap((30, 20)))
    assert over.size == SIZE
    assert over.getpixel((0, 0)) == GREY and over.getpixel((30, 20)) != GREY


@pytest.mark.parametrize("size", [(SIZE[1], SIZE[0]), (61, 40)])
def test_mask_of_another_size_raises_overlay_error(size: tuple[int, int]) -> None:
    with pytest.raises(OverlayError, match="lesion mask"):
        draw_lesion(grey(), disc_mask(size), box=None)


def test_render_without_overlays_is_the_upload() -> None:
    upload = jpeg(grey())
    localization = parse_localization(localization_body(SIZE, "mel"))
    shown = render(upload, localization, show_outline=False, show_heatmap=False)
    assert np.array_equal(np.asarray(shown), np.asarray(Image.open(io.BytesIO(upload))))


def test_render_draws_both_overlays() -> None:
    localization = parse_localization(localization_body(SIZE, "mel"))
    shown = np.asarray(render(jpeg(grey()), localization, True, True))
    assert (shown == OUTLINE_COLOUR).all(axis=-1).any()
    assert (shown == BOX_COLOUR).all(axis=-1).any()


def test_render_draws_no_outline_when_no_lesion_was_found() -> None:
    localization = parse_localization(localization_body(SIZE, "mel", found=False))
    shown = np.asarray(render(jpeg(grey()), localization, True, False))
    assert not (shown == OUTLINE_COLOUR).all(axis=-1).any()


def test_render_turns_the_upload_upright_as_the_backend_does() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    upload = jpeg(grey(), exif=exif)
    upright = (SIZE[1], SIZE[0])
    localization = parse_localization(localization_body(upright, "mel"))
    assert render(upload, localization, True, True).size == upright


def test_unreadable_upload_raises_overlay_error() -> None:
    localization = parse_localization(localization_body(SIZE, "mel"))
    with pytest.raises(OverlayError, match="uploaded image"):
        render(b"not an image", localization, True, True)
