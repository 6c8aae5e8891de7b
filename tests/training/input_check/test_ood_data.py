"""The non-dermoscopic kinds: the collected ones, and the round-field images made from them."""

from __future__ import annotations

import numpy as np

from tests.training.input_check.test_check_sets import write_ood
from training.input_check.ood_data import ROUND_FIELD, ROUND_SOURCES, load_ood


def test_each_round_field_image_keeps_its_sources_group(tmp_path):
    ood = load_ood(write_ood(tmp_path / "ood"), 32)
    round_rows = np.flatnonzero(ood.kinds == ROUND_FIELD)
    sources = np.flatnonzero(np.isin(ood.kinds, ROUND_SOURCES))
    assert len(round_rows) == len(sources) == len(ROUND_SOURCES)
    np.testing.assert_array_equal(ood.groups[round_rows], ood.groups[sources])
    assert ood.images[round_rows].shape == (3, 32, 32, 3)
    assert not np.array_equal(ood.images[round_rows], ood.images[sources])
