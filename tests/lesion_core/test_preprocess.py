"""The shared preprocessing: pinned output, odd image modes, orientation and refusals."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from lesion_core.decode import ImageTooLargeError
from lesion_core.preprocess import INPUT_SIZE, SEGMENTER_INPUT, preprocess, preprocess_for_segmenter
from tests.conftest import encode, lesion_like_image


def gradient_image() -> Image.Image:
    """A fixed 64×48 RGB image whose three channels vary differently."""
    yy, xx = np.mgrid[:48, :64]
    pixels = np.stack([xx * 4, yy * 5, (xx + yy) * 2], axis=-1)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


# Pinned: a change here means the model sees different input than it was trained on.
PINNED_SHA256 = "3c28529b205b5f137d2353ba1e818cdefcd164a9ee6b3aa8292c06272827b77a"


def test_preprocess_output_is_pinned_on_a_fixed_image():
    array = preprocess(encode(gradient_image(), "PNG"))
    assert array.shape == (INPUT_SIZE, INPUT_SIZE, 3) and array.dtype == np.uint8
    assert hashlib.sha256(array.tobytes()).hexdigest() == PINNED_SHA256


def test_preprocess_keeps_the_picture_content():
    array = preprocess(encode(gradient_image(), "PNG")).astype(int)
    assert array[0, 0, 0] < 20 and array[0, -1, 0] > 230  # red grows left to right
    assert array[0, 0, 1] < 20 and array[-1, 0, 1] > 210  # green grows top to bottom


def test_preprocess_reads_a_path_like_bytes(tmp_path):
    path = tmp_path / "image.png"
    gradient_image().save(path)
    np.testing.assert_array_equal(preprocess(path), preprocess(path.read_bytes()))


def test_jpeg_reduced_scale_decoding_stays_close_to_a_full_decode():
    jpeg = encode(lesion_like_image(600, 450), quality=95)
    full = np.asarray(
        Image.open(__import__("io").BytesIO(jpeg))
        .convert("RGB")
        .resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR),
        dtype=float,
    )
    assert np.abs(preprocess(jpeg).astype(float) - full).mean() < 4


def test_segmenter_input_is_uint8_at_its_width_and_height():
    array, _ = preprocess_for_segmenter(encode(lesion_like_image(600, 450), quality=92))
    width, height = SEGMENTER_INPUT
    assert array.shape == (height, width, 3) and array.dtype == np.uint8


def test_segmenter_preprocessing_returns_the_full_jpeg_size_not_the_draft_size():
    # JPEG drafting decodes this at a quarter scale; the mask must go back to 600×450.
    _, size = preprocess_for_segmenter(encode(lesion_like_image(600, 450), quality=92))
    assert size == (600, 450)


def test_segmenter_preprocessing_returns_the_displayed_size_of_a_rotated_jpeg():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 600×450, displayed rotated 90° clockwise
    jpeg = encode(lesion_like_image(600, 450), "JPEG", exif=exif, quality=92)
    array, size = preprocess_for_segmenter(jpeg)
    assert size == (450, 600)
    assert array.shape == (SEGMENTER_INPUT[1], SEGMENTER_INPUT[0], 3)


def test_segmenter_preprocessing_applies_the_exif_rotation_to_the_pixels():
    image = Image.new("RGB", (400, 300))
    image.paste((255, 0, 0), (0, 0, 200, 300))  # left half red, right half blue
    image.paste((0, 0, 255), (200, 0, 400, 300))
    exif = Image.Exif()
    exif[0x0112] = 6  # the left half ends on top
    array, _ = preprocess_for_segmenter(encode(image, "JPEG", exif=exif, quality=95))
    array = array.astype(int)
    assert array[5, 64, 0] > 200 and array[5, 64, 2] < 60
    assert array[-5, 64, 2] > 200 and array[-5, 64, 0] < 60


def test_segmenter_preprocessing_keeps_the_picture_content():
    array, _ = preprocess_for_segmenter(encode(gradient_image(), "PNG"))
    array = array.astype(int)
    assert array[0, 0, 0] < 20 and array[0, -1, 0] > 230  # red grows left to right
    assert array[0, 0, 1] < 20 and array[-1, 0, 1] > 210  # green grows top to bottom


def test_segmenter_preprocessing_reads_a_path_like_bytes(tmp_path):
    path = tmp_path / "image.jpg"
    lesion_like_image(300, 225).save(path, quality=90)
    from_path, path_size = preprocess_for_segmenter(path)
    from_bytes, bytes_size = preprocess_for_segmenter(path.read_bytes())
    np.testing.assert_array_equal(from_path, from_bytes)
    assert path_size == bytes_size == (300, 225)


def test_segmenter_preprocessing_refuses_an_image_over_the_pixel_limit():
    with pytest.raises(ImageTooLargeError, match="limit"):
        preprocess_for_segmenter(encode(Image.new("L", (200, 200)), "PNG"), max_pixels=10_000)


def test_views_from_one_decode_are_each_what_preprocess_makes():
    from lesion_core.preprocess import preprocess_views

    image = lesion_like_image(300, 225)
    png = encode(image, "PNG")
    views, size, field = preprocess_views(png, [(200, 150), (180, 140), (64, 48)])
    assert field is None and size == (300, 225)
    # One decode, whole, for the largest view: views that need no smaller decode are exact.
    np.testing.assert_array_equal(views[0], preprocess(png, (200, 150)))
    np.testing.assert_array_equal(views[1], preprocess(png, (180, 140)))
    # Alone, a 64x48 view decodes at the 128x96 floor (shrunk 2x): close, not equal.
    assert np.abs(views[2].astype(int) - preprocess(png, (64, 48))).mean() < 4
    jpeg = encode(image, "JPEG", quality=90)  # decoded at the scale of the largest view
    views, _, _ = preprocess_views(jpeg, [28, (200, 150)])
    np.testing.assert_array_equal(views[1], preprocess(jpeg, (200, 150)))
    assert np.abs(views[0].astype(int) - preprocess(jpeg, 28)).mean() < 4  # another DCT scale


def test_a_jpeg_is_never_decoded_below_the_floor():
    from lesion_core.decode import decoded_rgb, open_image
    from lesion_core.preprocess import DECODE_FLOOR, decode_cover

    assert decode_cover([28]) == DECODE_FLOOR == (128, 96)
    assert decode_cover([28, (160, 120)]) == (160, 120) and decode_cover([(64, 200)]) == (128, 200)
    with open_image(encode(lesion_like_image(600, 450), quality=92)) as image:
        # A quarter scale (150×113) is the smallest that covers 128×96; 1/8 would give 75×57.
        assert decoded_rgb(image, decode_cover([28])).size == (150, 113)


def test_groups_that_share_a_decode_get_one(monkeypatch):
    import lesion_core.preprocess as preprocess_module
    from lesion_core.preprocess import preprocess_groups

    covers = []
    decoded_rgb = preprocess_module.decoded_rgb
    monkeypatch.setattr(
        preprocess_module, "decoded_rgb", lambda im, c: covers.append(c) or decoded_rgb(im, c)
    )
    jpeg = encode(lesion_like_image(600, 450), quality=90)
    groups, size, _ = preprocess_groups(jpeg, [[28], [64, (128, 96)], [(160, 120)], [(100, 80)]])
    assert size == (600, 450) and covers == [(128, 96), (160, 120)]
    for group, sizes in zip(
        groups, [[28], [64, (128, 96)], [(160, 120)], [(100, 80)]], strict=True
    ):
        for view, target in zip(group, sizes, strict=True):
            np.testing.assert_array_equal(view, preprocess(jpeg, target))


def shipped_config(name: str) -> dict:
    """Return models/<name>/config.json."""
    import json

    from tests.servers import REPO_ROOT

    return json.loads((REPO_ROOT / "models" / name / "config.json").read_text())


@pytest.mark.parametrize("name", ["resnet_small_2x", "paper_cnn", "efficientnet_lite0"])
def test_each_shipped_classifier_was_trained_or_scored_on_this_preprocessing(name):
    from lesion_core.preprocess import PREPROCESSING_ID

    config = shipped_config(name)
    assert PREPROCESSING_ID in (config["preprocessing"], config.get("preprocessing_served"))


def test_the_segmenter_gets_the_whole_frame_it_was_trained_on():
    import onnxruntime

    from lesion_core.preprocess import decode_cover
    from tests.servers import REPO_ROOT

    # The field-of-view crop (v3) spares the segmenter's whole-frame view, and v2 gave every
    # input of at least DECODE_FLOOR the arrays of v1, which it was trained on.
    assert shipped_config("lesion_segmenter")["preprocessing"].endswith("bilinear-squash/v1")
    session = onnxruntime.InferenceSession(REPO_ROOT / "models/lesion_segmenter/model.onnx")
    height, width = session.get_inputs()[0].shape[1:3]
    assert decode_cover([(width, height)]) == (width, height)


def full_decode_reference(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """Return the image resized from its full decode, as the preprocessing did before shrinking."""
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.BILINEAR), dtype=int)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP", "BMP"])
def test_a_large_non_jpeg_is_shrunk_after_decoding_and_still_gives_the_same_input(fmt):
    image = lesion_like_image(1600, 1200)
    data = encode(image, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    made = preprocess(data, (160, 120)).astype(int)
    assert np.abs(made - full_decode_reference(image, (160, 120))).mean() < 2


def test_a_16_bit_greyscale_png_is_scaled_to_8_bits_on_the_shrunk_image():
    # From a quarter of the range (not black, which would read as a dark border) to its top.
    ramp = np.tile(np.linspace(16384, 65535, 2000).astype(np.uint16), (1500, 1))
    made = preprocess(encode(Image.fromarray(ramp), "PNG"), (200, 150))
    assert made.dtype == np.uint8 and made.shape == (150, 200, 3)
    assert (made[..., 0] == made[..., 1]).all(), "grey"
    assert 60 <= made[:, 0, 0].min() <= made[:, 0, 0].max() <= 68, "scaled, not clipped"
    assert made[:, -1, 0].min() > 250


def test_a_shrunk_image_keeps_its_exif_orientation():
    image = lesion_like_image(1200, 800)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: turn it 90 degrees clockwise to show it
    data = encode(image, "PNG", exif=exif.tobytes())
    upright = image.transpose(Image.Transpose.ROTATE_270)
    made = preprocess(data, (120, 160)).astype(int)
    assert np.abs(made - full_decode_reference(upright, (120, 160))).mean() < 2
