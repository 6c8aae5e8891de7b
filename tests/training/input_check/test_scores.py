"""The input check's scorers, and the exported graph that must reproduce the combined one."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import run_keras
from training.input_check.scores import CombinedScorer, LogisticScorer, MahalanobisScorer


@pytest.fixture(scope="module")
def clusters():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (3, 8))
    labels = rng.integers(0, 3, 900)
    inside = centres[labels] + rng.normal(0, 1, (900, 8))
    outside = rng.normal(0, 1, (300, 8)) + 12.0
    return inside, labels, outside


def test_mahalanobis_scores_cluster_points_above_far_ones(clusters):
    inside, labels, outside = clusters
    scorer = MahalanobisScorer().fit(inside[:600], labels[:600])
    assert scorer.score(inside[600:]).min() > scorer.score(outside).max()


def test_logistic_folded_weights_give_the_same_decision(clusters):
    inside, _, outside = clusters
    scorer = LogisticScorer().fit(inside, outside)
    weights, bias = scorer.folded()
    both = np.concatenate([inside, outside])
    np.testing.assert_allclose(
        both @ weights + bias,
        scorer.model.decision_function(scorer.scaler.transform(both)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_combined_score_flags_about_its_rate_of_calibration_data_and_all_far_points(clusters):
    inside, labels, outside = clusters
    scorer = CombinedScorer(flag_rate=0.02).fit(
        inside[:600], labels[:600], outside[:150], [inside[600:]]
    )
    calibration_flagged = np.mean(scorer.score(inside[600:]) < 0.5)
    assert 0.0 < calibration_flagged <= 0.05  # at most the two parts' 2 % each
    assert np.all(scorer.score(outside[150:]) < 0.5)
    assert np.all((scorer.score(inside) >= 0) & (scorer.score(inside) <= 1))


def test_the_one_threshold_flags_at_most_its_share_of_each_source(clusters):
    inside, labels, outside = clusters
    near, far = inside[600:750], inside[750:] + 0.8  # a second source, a little further out
    scorer = CombinedScorer(max_flagged=0.02).fit(
        inside[:600], labels[:600], outside[:150], [near, far]
    )
    rates = [np.mean(scorer.score(source) < 0.5) for source in (near, far)]
    assert max(rates) <= 0.02
    assert max(rates) >= 0.01  # the strictest source is where the threshold stopped
    assert np.all(scorer.score(outside[150:]) < 0.5)


def test_exported_check_model_computes_the_combined_score():
    from training.input_check.build import build_check_model
    from training.input_check.features import CHECK_SIZE, build_feature_model

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (48, CHECK_SIZE, CHECK_SIZE, 3), dtype=np.uint8)
    images[24:] //= 4  # darker half: a second "kind"
    features_model = build_feature_model(CHECK_SIZE)
    features = run_keras(features_model, images)
    scorer = CombinedScorer(flag_rate=0.1).fit(
        features[:16], np.arange(16) % 2, features[24:40], [features[16:24]]
    )
    model = build_check_model(scorer, features_model)
    from_graph = run_keras(model, images)[:, 0]
    np.testing.assert_allclose(from_graph, scorer.score(features), atol=2e-3)
