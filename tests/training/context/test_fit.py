"""The context model's fit: it finds a shift the data holds, changes nothing without context, and
is served only where it helps on validation."""

from __future__ import annotations

import numpy as np

from lesion_core.context import Context
from lesion_core.labels import CLASS_CODES
from lesion_runtime.context_head import FEATURES
from training.context.fit import Recipe, fit_head, fit_rows
from training.context.scoring import kept

MEL, NV = CLASS_CODES.index("mel"), CLASS_CODES.index("nv")


def test_the_fit_finds_the_shift_the_site_carries():
    rng = np.random.default_rng(0)
    n = 600
    on_back = rng.random(n) < 0.5
    # The image model cannot tell mel from nv; on the back, mel is four times as likely.
    labels = np.where(rng.random(n) < np.where(on_back, 0.8, 0.2), MEL, NV)
    probabilities = np.full((n, len(CLASS_CODES)), 1e-3)
    probabilities[:, [MEL, NV]] = 0.4975
    contexts = [Context(site="posterior torso" if b else "lower extremity") for b in on_back]
    rows, _ = fit_rows(probabilities, contexts, labels, Recipe(balanced=False, l2=0.1))
    weights = fit_head(rows, 0.1)
    shift = dict(zip(FEATURES, weights[:, MEL] - weights[:, NV], strict=True))
    # The odds of mel over nv are 4 on the back and 1/4 on the leg: log(16) = 2.8 between them,
    # the back's shift shared with the torso feature it also sets.
    back = shift["site:posterior torso"] + shift["site:torso"]
    assert 2.0 < back - shift["site:lower extremity"] < 3.5


def test_no_context_leaves_the_answer_unchanged():
    from lesion_runtime.context_head import ContextHead

    rng = np.random.default_rng(1)
    head = ContextHead(rng.normal(size=(len(FEATURES), 7)), np.zeros(len(FEATURES)), "m-1")
    p = rng.dirichlet(np.ones(7), size=3)
    np.testing.assert_allclose(head.adjust(p, [Context()] * 3), p)
    assert not np.allclose(head.adjust(p, [Context(age=80)] * 3), p)


def test_a_head_that_costs_melanoma_recall_on_validation_is_not_served():
    def table(gain: float, melanoma: float) -> dict:
        same = {"balanced_accuracy": 0.7, "melanoma_recall": 0.7}
        moved = {"balanced_accuracy": 0.7 + gain, "melanoma_recall": 0.7 + melanoma}
        return {s: {"image model": same, "all": moved} for s in ("ham10000-val", "milk10k-val")}

    assert kept(table(0.02, 0.0))[0]
    assert not kept(table(0.02, -0.05))[0], "melanoma recall"
    assert not kept(table(0.001, 0.0))[0], "too little gain"
