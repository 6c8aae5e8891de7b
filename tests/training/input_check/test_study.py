"""The study's split of the non-dermoscopic kinds into a fitted and a held-out half."""

from __future__ import annotations

import numpy as np

from training.input_check.ood_data import KINDS, ROUND_FIELD, OodImages
from training.input_check.study import ood_halves


def test_a_round_field_image_falls_on_its_sources_side():
    sources = [kind for kind in KINDS if kind != ROUND_FIELD]
    kinds = np.array([*np.repeat(sources, 10), *[ROUND_FIELD] * 10])
    groups = np.array([f"{kind}/{i % 10}" for i, kind in enumerate(kinds[:-10])]
                      + [f"everyday/{i}" for i in range(10)])  # fmt: skip
    ood = OodImages(np.zeros((len(kinds), 1, 1, 3), np.uint8), kinds, groups, groups)
    fit, held = ood_halves(ood)
    assert len(np.intersect1d(fit, held)) == 0 and len(fit) + len(held) == len(kinds)
    for rows, other in ((fit, held), (held, fit)):
        round_rows = rows[kinds[rows] == ROUND_FIELD]
        assert len(round_rows) == 5
        assert not np.isin(groups[round_rows], groups[other]).any()
