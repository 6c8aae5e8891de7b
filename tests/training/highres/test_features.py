"""The high-resolution classifier's frozen part: where it ends, and its cached outputs."""

from __future__ import annotations

import numpy as np
import pytest

from training.highres.features import cached_view_features, frozen_blocks
from training.highres.variants import LITE0, LITE1, LITE2, block_input_shape

pytestmark = pytest.mark.heavy(10)


@pytest.mark.parametrize(
    ("variant", "blocks", "channels"), [(LITE0, 5, 40), (LITE1, 7, 40), (LITE2, 7, 48)]
)
def test_the_frozen_part_ends_with_the_third_stage_at_stride_8(variant, blocks, channels):
    assert frozen_blocks(variant) == blocks
    assert block_input_shape(blocks, (64, 64), variant) == (8, 8, channels)


def test_each_variant_caches_its_frozen_features_in_its_own_file(tmp_path):
    views = np.random.default_rng(0).integers(0, 255, (2, 1, 48, 64, 3), dtype=np.uint8)
    lite0 = cached_view_features(views, tmp_path)
    lite1 = cached_view_features(views, tmp_path, LITE1)
    names = sorted(path.name.split("-views-")[0] for path in tmp_path.glob("*.npz"))
    assert names == ["lite0-frozen5", "lite1-frozen7"]
    assert lite0.shape == lite1.shape == (2, 1, 6, 8, 40)
    assert not np.allclose(lite0, lite1)
