"""The high-resolution recipe's warm start (--init), its cached features of device views and
the config.json it writes."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from training.arguments import parse
from training.classifier.tta import with_tta
from training.classifier.warm_start import WarmStartError
from training.highres.config import HighresConfig, recorded_architecture
from training.highres.features import cached_view_features
from training.highres.recipe import assemble, build_trainable_part, run_record, start_from_trained
from training.highres.variants import LITE1, LITE2

pytestmark = pytest.mark.heavy(25)

SHAPE = (48, 64)  # (height, width): small, 4:3


def test_a_run_starts_from_a_saved_classifiers_layers_through_a_tta_wrapper(tmp_path):
    trained = build_trainable_part(SHAPE)
    dense = trained.get_layer("classifier")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel + 0.5, bias - 0.25])  # unlike ImageNet's (or any) fresh start
    saved = with_tta(assemble(trained, SHAPE))
    saved.save(tmp_path / "model.keras")
    fresh = build_trainable_part(SHAPE)
    start_from_trained(fresh, tmp_path / "model.keras")
    for a, b in zip(fresh.get_layer("classifier").get_weights(), dense.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_model_of_another_kind_cannot_start_a_run(tmp_path):
    other = keras.Sequential([keras.Input((28, 28, 3)), keras.layers.Dense(7, name="other")])
    other.save(tmp_path / "other.keras")
    with pytest.raises(WarmStartError, match="not an EfficientNet-Lite0"):
        start_from_trained(build_trainable_part(SHAPE), tmp_path / "other.keras")


def test_a_classifier_of_another_variant_cannot_start_a_run(tmp_path):
    build_trainable_part(SHAPE, LITE1).save(tmp_path / "lite1.keras")
    # Lite2 has Lite1's layer names (21 blocks) but wider layers.
    with pytest.raises(WarmStartError, match="not an EfficientNet-Lite2"):
        start_from_trained(build_trainable_part(SHAPE, LITE2), tmp_path / "lite1.keras", LITE2)


def test_config_json_records_the_variant_and_image_size_that_a_finish_reads_back(tmp_path):
    split = tmp_path / "split.csv"
    split.write_text("image_id,part\n")
    argv = ["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--split", str(split),
            "--variant", "lite1", "--image-size", "192x144"]  # fmt: skip
    history = [{"epoch": 1, "val_balanced_accuracy": 0.5, "seconds": 1.0}]
    record = json.loads(json.dumps(run_record(parse(HighresConfig, argv), history)))
    assert record["architecture"] == "efficientnet_lite1" and record["frozen_blocks"] == 7
    assert recorded_architecture(record) == (LITE1, (192, 144))


def test_device_views_features_have_one_map_per_view_and_are_cached(tmp_path):
    views = np.random.default_rng(0).integers(0, 255, (3, 2, *SHAPE, 3), dtype=np.uint8)
    features = cached_view_features(views, tmp_path)
    assert features.shape[:2] == (3, 2) and features.dtype == np.float16
    assert len(list(tmp_path.glob("lite0-frozen*-views-*.npz"))) == 1
    np.testing.assert_array_equal(cached_view_features(views, tmp_path), features)
    assert not np.array_equal(features[0, 0], features[0, 1])
