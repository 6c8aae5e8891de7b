"""Loading release images with their lesion masks, for training the segmenter."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from lesion_core.labels import index_of
from lesion_core.preprocess import SEGMENTER_INPUT
from lesion_core.segmentation_metrics import jaccard
from tests.conftest import disc_mask
from training.dataset import DataError
from training.segmenter import masks as lesion_masks
from training.segmenter.masks import (
    MASK_FOLDER_NAMES,
    find_mask_folder,
    index_masks,
    load_masked_images,
    read_mask,
)

WIDTH, HEIGHT = SEGMENTER_INPUT
MASKED = 35  # every other image of the 70-image release


def masked_rows(release) -> pd.DataFrame:
    """Return the metadata rows of the images that `write_masks(every=2)` gave a mask."""
    table = pd.read_csv(release / "HAM10000_metadata.csv")
    return table.iloc[::2].reset_index(drop=True)


def test_only_images_with_a_mask_are_loaded(release_with_masks):
    data = load_masked_images(release_with_masks)
    assert len(data.dataset) == MASKED
    assert len(data.image_files) == len(data.mask_files) == MASKED


def test_images_are_uint8_at_the_segmenter_input_size(release_with_masks):
    images = load_masked_images(release_with_masks).dataset.images
    assert images.shape == (MASKED, HEIGHT, WIDTH, 3) and images.dtype == np.uint8


def test_masks_are_uint8_at_the_segmenter_input_size(release_with_masks):
    masks = load_masked_images(release_with_masks).masks
    assert masks.shape == (MASKED, HEIGHT, WIDTH) and masks.dtype == np.uint8


def test_masks_keep_their_full_range_of_lesion_shares(release_with_masks):
    masks = load_masked_images(release_with_masks).masks
    assert masks.min() <= 5 and masks.max() >= 250
    assert ((masks < 10) | (masks > 245)).mean() > 0.9  # mostly inside or outside


def test_masks_cover_the_disc_scaled_to_the_input_size(release_with_masks):
    masks = load_masked_images(release_with_masks).masks
    assert jaccard(masks[0] > 127, disc_mask(WIDTH, HEIGHT)) > 0.9


def test_masks_lie_on_the_dark_lesion_of_their_image(release_with_masks):
    data = load_masked_images(release_with_masks)
    grey = data.dataset.images.mean(axis=-1)
    lesion = data.masks > 127
    assert all(g[m].mean() < g[~m].mean() - 30 for g, m in zip(grey, lesion, strict=True))


def test_ids_and_labels_follow_the_metadata_order(release_with_masks):
    dataset = load_masked_images(release_with_masks).dataset
    rows = masked_rows(release_with_masks)
    assert dataset.image_ids.tolist() == rows["image_id"].tolist()
    assert dataset.lesion_ids.tolist() == rows["lesion_id"].tolist()
    assert dataset.labels.tolist() == [index_of(dx) for dx in rows["dx"]]


def test_files_belong_to_their_row(release_with_masks):
    data = load_masked_images(release_with_masks)
    for image_id, image, mask in zip(
        data.dataset.image_ids, data.image_files, data.mask_files, strict=True
    ):
        assert image.stem == image_id and mask.stem == image_id


def test_a_cache_dir_receives_an_npz(release_with_masks, tmp_path):
    load_masked_images(release_with_masks, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("masks-*.npz"))) == 1


def test_a_second_load_reads_the_cache_and_returns_the_same_arrays(
    release_with_masks, tmp_path, monkeypatch
):
    first = load_masked_images(release_with_masks, cache_dir=tmp_path)

    def refuse(*_args, **_kwargs):
        raise AssertionError("decoded an image although the cache holds it")

    monkeypatch.setattr(lesion_masks, "preprocess_for_segmenter", refuse)
    second = load_masked_images(release_with_masks, cache_dir=tmp_path)
    np.testing.assert_array_equal(second.dataset.images, first.dataset.images)
    np.testing.assert_array_equal(second.masks, first.masks)
    np.testing.assert_array_equal(second.dataset.image_ids, first.dataset.image_ids)


def test_a_changed_mask_gets_a_new_cache_entry(release_with_masks, tmp_path):
    first = load_masked_images(release_with_masks, cache_dir=tmp_path)
    changed = np.zeros((30, 40), dtype=np.uint8)
    changed[5:10, 5:10] = 255
    Image.fromarray(changed).save(first.mask_files[0])
    second = load_masked_images(release_with_masks, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("masks-*.npz"))) == 2
    assert second.masks[0].sum() < first.masks[0].sum()


def test_a_different_size_gets_its_own_cache_entry(release_with_masks, tmp_path):
    load_masked_images(release_with_masks, cache_dir=tmp_path)
    small = load_masked_images(release_with_masks, size=(64, 48), cache_dir=tmp_path)
    assert small.masks.shape == (MASKED, 48, 64)
    assert len(list(tmp_path.glob("masks-*.npz"))) == 2


def test_a_release_without_masks_is_a_data_error_naming_the_folder(release_dir):
    with pytest.raises(DataError, match=rf"{re.escape(str(release_dir))}: no lesion masks found"):
        load_masked_images(release_dir)


def test_masks_of_no_known_image_are_a_data_error(release_dir):
    (release_dir / "masks").mkdir()
    Image.fromarray(disc_mask(40, 30).astype(np.uint8) * 255).save(
        release_dir / "masks" / "ISIC_9999999.png"
    )
    with pytest.raises(DataError, match="no mask belongs to an image"):
        load_masked_images(release_dir)


def test_a_mask_whose_image_file_is_missing_is_a_data_error(release_with_masks):
    first = masked_rows(release_with_masks)["image_id"][0]
    for image in release_with_masks.glob(f"HAM10000_images_part_*/{first}.jpg"):
        image.unlink()
    with pytest.raises(DataError, match=f"image {first} .*has no file"):
        load_masked_images(release_with_masks)


def test_an_unreadable_mask_is_a_data_error_naming_the_file(release_with_masks):
    first = masked_rows(release_with_masks)["image_id"][0]
    broken = release_with_masks / "masks" / f"{first}.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(DataError, match=f"{first}.png: cannot read mask"):
        load_masked_images(release_with_masks)


@pytest.mark.parametrize("name", MASK_FOLDER_NAMES)
def test_find_mask_folder_accepts_each_known_name(tmp_path, name):
    (tmp_path / name).mkdir()
    assert find_mask_folder(tmp_path) == tmp_path / name


@pytest.mark.parametrize(
    ("file_name", "image_id"),
    [
        ("ISIC_0024306.png", "ISIC_0024306"),
        ("ISIC_0024306_segmentation.png", "ISIC_0024306"),  # the official release's name
    ],
)
def test_index_masks_reads_the_image_id_from_either_naming(tmp_path, file_name, image_id):
    (tmp_path / file_name).write_bytes(b"")
    assert index_masks(tmp_path) == {image_id: tmp_path / file_name}


def test_index_masks_ignores_files_that_are_not_png(tmp_path):
    for name in ("ISIC_1.png", "ISIC_2.jpg", "notes.txt", ".DS_Store"):
        (tmp_path / name).write_bytes(b"")
    assert index_masks(tmp_path) == {"ISIC_1": tmp_path / "ISIC_1.png"}


def test_index_masks_maps_a_mixed_folder(tmp_path):
    for name in ("ISIC_1_segmentation.png", "ISIC_2.png"):
        (tmp_path / name).write_bytes(b"")
    assert set(index_masks(tmp_path)) == {"ISIC_1", "ISIC_2"}


def test_read_mask_converts_to_grey_and_resizes(tmp_path):
    path = tmp_path / "mask.png"
    Image.fromarray(disc_mask(40, 30).astype(np.uint8) * 255).convert("RGB").save(path)
    mask = read_mask(path, (80, 60))
    assert mask.shape == (60, 80) and mask.dtype == np.uint8
    assert jaccard(mask > 127, disc_mask(80, 60)) > 0.9


def test_read_mask_without_a_size_keeps_the_file_size(tmp_path):
    path = tmp_path / "mask.png"
    Image.fromarray(disc_mask(40, 30).astype(np.uint8) * 255).save(path)
    np.testing.assert_array_equal(read_mask(path) > 127, disc_mask(40, 30))
