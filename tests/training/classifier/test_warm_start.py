"""Starting a run from a trained classifier: the bare network's weights, a test-time-augmentation
wrapper taken off, another architecture refused."""

from __future__ import annotations

import numpy as np
import pytest

from training.classifier.model import build_model
from training.classifier.tta import with_tta
from training.classifier.warm_start import WarmStartError, start_from

SHAPE = (28, 28, 3)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A resnet_small wrapped for test-time augmentation, as the service's default is, saved."""
    network = build_model("resnet_small", SHAPE)
    path = tmp_path_factory.mktemp("warm") / "model.keras"
    with_tta(network).save(path)
    return network, path


def test_a_wrapped_network_gives_its_weights(served):
    network, path = served
    fresh = build_model("resnet_small", SHAPE)
    assert not np.allclose(fresh.get_weights()[0], network.get_weights()[0])
    start_from(fresh, path)
    for mine, theirs in zip(fresh.get_weights(), network.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_another_architecture_is_refused(served):
    _, path = served
    with pytest.raises(WarmStartError, match="not a 'paper_cnn' network"):
        start_from(build_model("paper_cnn", SHAPE), path)
