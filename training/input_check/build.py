"""Build the shipped input check: one ONNX graph from a 64×64 image to a score in 0..1.

    python -m training.input_check.build --data ../shared/data/ham10000 --ood ../shared/data/ood \
        --isic2017 ../shared/data/isic2017 --tiles ../shared/data/isic2024_tbp \
        --out models/input_check

The check combines the two scorers of `training.input_check.scores` on ImageNet features
(`training.input_check.study` measured each alone and together): a logistic model fitted with
the non-dermoscopic images, which catches the kinds it saw, and the Mahalanobis distance to the
HAM10000 classes, fitted on dermoscopy only, which also catches kinds nobody collected. Each has
its threshold at a quantile of the validation dermoscopy (`judge.FLAG_RATE`, `DISTANCE_FLAG_RATE`),
both then move together until the strictest of the three dermoscopy sources' validation parts
has 2 % flagged, and each is rescaled so that its threshold sits at 0.5; the score is the smaller
of the two, so below 0.5 = not dermoscopic (`scores.CombinedScorer`, which the exported graph
reproduces).
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_core.check_input import CHECK_SIZE
from lesion_core.preprocess import PREPROCESSING_ID
from lesion_core.size import Size
from lesion_runtime.onnx_names import DERMOSCOPIC_SCORE, PROBABILITIES
from training.arguments import option, parse
from training.cli import setup_logging
from training.dataset import DataError
from training.input_check.features import FEATURES, build_feature_model, imagenet_features
from training.input_check.judge import (
    DISTANCE_FLAG_RATE,
    FLAG_RATE,
    MAX_FALSE_ALARMS,
    THRESHOLD,
    check_features,
    fit_check,
    flagged,
    judge,
    leave_one_kind_out,
)
from training.input_check.scores import CombinedScorer
from training.input_check.study import SPLIT, CheckDataSettings, blur_watermark, ood_halves

log = logging.getLogger(__name__)


def build_check_model(scorer: CombinedScorer, features_model=None):
    """Return the Keras model computing `scorer.score` from a CHECK_SIZE uint8-range image, on
    `features_model` (build_feature_model's, built afresh when None)."""
    import keras
    from keras import layers, ops

    features_model = features_model or build_feature_model(CHECK_SIZE)
    features = features_model.get_layer(FEATURES).output
    weights, bias = scorer.logistic.folded()
    logit = layers.Dense(1, name="logistic")(features)
    # With precision P = L Lᵀ: |(f − μ) L|² = |z|² − 2 z·m + |m|², where z = f L and m = μ L.
    chol = scorer.maha.whitening()
    means = scorer.maha.means @ chol
    whitened = layers.Dense(chol.shape[1], use_bias=False, name="whiten")(features)
    cross = layers.Dense(len(means), name="class_cross_terms")(whitened)
    squared = ops.sum(ops.square(whitened), axis=-1, keepdims=True) + cross
    distance = ops.min(squared, axis=-1, keepdims=True)  # to the nearest class
    by_logistic = ops.sigmoid(logit - scorer.logit_threshold)
    by_distance = ops.sigmoid((scorer.distance_threshold - distance) / scorer.distance_scale)
    score = layers.Minimum(name=DERMOSCOPIC_SCORE)([by_logistic, by_distance])
    model = keras.Model(features_model.input, score, name="input_check")
    model.get_layer("logistic").set_weights([weights[:, None], np.array([bias])])
    model.get_layer("whiten").set_weights([chol])
    model.get_layer("class_cross_terms").set_weights([-2 * means.T, np.sum(means**2, axis=1)])
    return model


def rename_output(path: Path, old: str, new: str) -> None:
    """Rename a graph output of the ONNX file at `path` in place (export names it generically)."""
    import onnx

    graph = onnx.load(str(path))
    for node in graph.graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
    for output in graph.graph.output:
        if output.name == old:
            output.name = new
    onnx.save(graph, str(path))


@dataclass(frozen=True, kw_only=True)
class BuildSettings(CheckDataSettings):
    """Command-line settings of `python -m training.input_check.build`."""

    out: Path = option(help="folder for model.onnx and config.json")


def main(argv: list[str] | None = None) -> int:
    """Fit, export and describe the check; return 0, or 1 when data is missing."""
    args = parse(
        BuildSettings, argv, "python -m training.input_check.build", __doc__.split("\n\n")[0]
    )
    setup_logging()
    try:
        sets = args.load(CHECK_SIZE)
    except DataError as exc:
        log.error("%s", exc)
        return 1
    feats = check_features(sets)
    fit_rows, held_rows = ood_halves(sets.ood)
    scorer = fit_check(feats, sets, fit_rows)
    model = build_check_model(scorer)

    from training.export import export_model
    from training.highres.features import onnx_session, run_batched

    args.out.mkdir(parents=True, exist_ok=True)
    difference = export_model(model, args.out / "model.onnx")
    rename_output(args.out / "model.onnx", PROBABILITIES, DERMOSCOPIC_SCORE)
    session = onnx_session(args.out / "model.onnx")
    test_images = sets.ham[sets.split.test]
    exported_scores = run_batched(session, test_images)[:, 0]
    clinical = held_rows[sets.ood.kinds[held_rows] == "clinical_skin"]
    blurred = np.stack([blur_watermark(image) for image in sets.ood.images[clinical]])
    (blurred_features,) = imagenet_features({"blurred": blurred}).values()
    figures = {
        **judge(scorer, feats, sets, held_rows),
        "clinical_watermark_blurred_flagged": flagged(scorer, blurred_features),
        "leave_one_kind_out_flagged": leave_one_kind_out(feats, sets, fit_rows),
        "largest_difference_from_numpy": float(
            np.abs(exported_scores - scorer.score(feats.ham[sets.split.test])).max()
        ),
        "onnx_max_difference": difference,
    }
    width, height = Size.of(CHECK_SIZE)
    config = {
        "name": "input_check",
        "threshold": THRESHOLD,
        "input_size": [height, width],
        "flag_rate_per_scorer": {"logistic": FLAG_RATE, "distance": DISTANCE_FLAG_RATE},
        "max_false_alarms_per_source": MAX_FALSE_ALARMS,
        "split": str(SPLIT),
        "preprocessing": PREPROCESSING_ID,
        "fitted_on": {
            "dermoscopy": "HAM10000 training part, "
            f"{sets.ham_device.shape[1]} simulated-device views of each of its images, MILK10k "
            "dermoscopy of the lesions outside its validation third, ISIC 2017 training third",
            "not_dermoscopy": "half of each kind (by group; round-field images with their "
            "source), MILK10k camera close-ups of the lesions outside its validation third, "
            "ISIC 2024 total-body-photo tiles' training third",
            "thresholds": "HAM10000 validation part and its simulated-device views, MILK10k "
            "dermoscopy validation third, ISIC 2017 validation third: each at most "
            f"{MAX_FALSE_ALARMS:.0%} flagged",
        },
        "figures": figures,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    log.info("%s", json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
