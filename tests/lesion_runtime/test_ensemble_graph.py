"""The ensemble's ONNX graph: the rule computed in the graph, served by the service's predictor."""

from __future__ import annotations

import json

import numpy as np
import onnx

from lesion_runtime.ensemble_graph import ensemble_graph
from lesion_runtime.ensemble_rule import Rule
from lesion_runtime.predictor import Predictor
from tests.backend.onnx_models import colour_classifier
from training.ensemble.rule import combine


def test_the_graph_computes_the_rule_and_keeps_each_members_answer(tmp_path):
    wide = colour_classifier(tmp_path / "wide", 120, 160)
    small = colour_classifier(tmp_path / "small", 60, 64)
    rule = Rule((0.7, 0.3), (0.5, -0.2, 0.0, 0.1, 0.3, -0.4, 0.0), 0.8)
    folder = tmp_path / "ensemble"
    folder.mkdir()
    onnx.save(ensemble_graph([wide, small], rule, explained_by=0, doc={}), folder / "model.onnx")
    members = [{"name": "wide"}, {"name": "small"}]
    (folder / "config.json").write_text(json.dumps({"name": "both", "members": members}))

    served = Predictor(folder / "model.onnx")
    assert served.sizes == [(160, 120), (64, 60)] and served.info.members == ["wide", "small"]
    rng = np.random.default_rng(3)
    inputs = [rng.integers(0, 256, (5, h, w, 3), dtype=np.uint8) for w, h in served.sizes]
    probabilities, per_member = served.predict_members(inputs)
    alone = np.stack([Predictor(wide).predict(inputs[0]), Predictor(small).predict(inputs[1])])
    np.testing.assert_allclose(per_member, alone.transpose(1, 0, 2), atol=1e-6)
    np.testing.assert_allclose(probabilities, combine(alone, rule), atol=1e-5)
    _, activations, _ = served.predict_explained(inputs)
    assert activations.shape == (5, 4, 5, 7)  # the first member's maps
