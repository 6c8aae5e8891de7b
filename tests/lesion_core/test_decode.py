"""Opening and decoding an upload: every mode becomes 8-bit RGB, the EXIF turn is applied, and
what cannot or may not be decoded is refused with our own errors before any pixel is decoded."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lesion_core.decode import ImageTooLargeError, InvalidImageError, UnsupportedFormatError
from lesion_core.preprocess import INPUT_SIZE, preprocess
from tests.conftest import encode, lesion_like_image


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "1", "CMYK", "I;16", "I", "F"])
def test_every_pillow_mode_becomes_rgb_uint8(mode):
    image = lesion_like_image(50, 40).convert("RGBA" if mode == "LA" else "RGB")
    converted = image.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "TIFF" if mode in ("F", "I") else "PNG"
    array = preprocess(encode(converted, fmt))
    assert array.shape == (INPUT_SIZE, INPUT_SIZE, 3) and array.dtype == np.uint8
    assert array.std() > 0  # the picture survived the conversion


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    pixels = np.full((30, 30), 32768, dtype=np.uint16)  # mid-grey in 16 bits
    array = preprocess(encode(Image.fromarray(pixels), "PNG"))
    assert 120 <= array.mean() <= 135


def test_transparent_pixels_are_composited_on_black():
    image = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    assert preprocess(encode(image, "PNG")).max() == 0


def test_palette_with_transparency_is_composited_on_black():
    image = Image.new("P", (32, 32), 0)
    image.putpalette([255, 255, 255] + [0] * 765)
    assert preprocess(encode(image, "PNG", transparency=0)).max() == 0


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (40, 20))
    image.paste((255, 0, 0), (0, 0, 20, 20))  # left half red, right half blue
    image.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise: the left half ends on top
    array = preprocess(encode(image, "JPEG", exif=exif, quality=95)).astype(int)
    assert array[2, 14, 0] > 200 and array[2, 14, 2] < 60
    assert array[-3, 14, 2] > 200 and array[-3, 14, 0] < 60


def test_one_pixel_image_is_accepted():
    array = preprocess(encode(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"))
    assert (array == [10, 200, 30]).all()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "WEBP", "TIFF"])
def test_accepted_formats_decode(fmt):
    assert preprocess(encode(lesion_like_image(60, 45), fmt)).shape == (28, 28, 3)


def test_progressive_jpeg_decodes():
    jpeg = encode(lesion_like_image(300, 200), progressive=True, quality=90)
    assert preprocess(jpeg).std() > 0


def test_image_over_the_pixel_limit_is_refused_before_decoding():
    with pytest.raises(ImageTooLargeError, match="limit"):
        preprocess(encode(Image.new("L", (200, 200)), "PNG"), max_pixels=10_000)


def test_truncated_jpeg_is_invalid():
    jpeg = encode(lesion_like_image(300, 200), quality=90)
    with pytest.raises(InvalidImageError):
        preprocess(jpeg[: len(jpeg) // 2])


def test_text_is_not_an_image():
    with pytest.raises(InvalidImageError, match="not an image"):
        preprocess(b"hello, this is not an image")


def test_gif_is_an_unsupported_format():
    with pytest.raises(UnsupportedFormatError, match="GIF"):
        preprocess(encode(lesion_like_image(30, 30), "GIF"))


def test_png_with_a_truncated_header_chunk_is_invalid():
    png = encode(Image.new("L", (30, 30)), "PNG")
    with pytest.raises(InvalidImageError):
        # An IHDR chunk that claims 4 bytes instead of 13: Pillow raises ValueError here.
        preprocess(png[:8] + (4).to_bytes(4, "big") + b"IHDR" + png[16:20] + png[29:])


def test_an_upload_that_would_cost_more_than_the_decode_budget_is_refused_before_decoding():
    from lesion_core.decode import open_image

    data = encode(Image.new("P", (3000, 2000)), "PNG")  # 30 MB of pixels and conversion
    with pytest.raises(ImageTooLargeError, match=r"takes 29 MB; the limit is 16 MB"):
        open_image(data, max_decode_mb=16)
    assert open_image(data, max_decode_mb=64).size == (3000, 2000)
