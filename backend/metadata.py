"""What the service tells clients about itself and the model it serves."""

from __future__ import annotations

from pathlib import Path

from backend.classifiers import Classifiers
from backend.formats import accepted_formats
from backend.settings import REPO_ROOT, Settings
from lesion_api.service import (
    ClassInfo,
    HeadlineMetrics,
    InputCheckDescription,
    Limits,
    Metadata,
    ModelList,
    ModelRef,
    ModelSummary,
    Ready,
    SegmenterDescription,
    ServedModel,
)
from lesion_core.labels import CLASS_CODES, CLASSES
from lesion_core.preprocess import PREPROCESSING_DESCRIPTION
from lesion_runtime.input_check import InputCheckInfo
from lesion_runtime.predictor import ModelInfo
from lesion_runtime.segmenter import SegmenterInfo

DISCLAIMER = (
    "Research tool trained on dermatoscopic images (HAM10000). Its probabilities are not a "
    "diagnosis; photographs other than dermatoscopy are outside what it has learnt."
)
HEADLINE_KEYS = ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall", "ece")


def model_file(path: Path) -> str:
    """Return how /metadata names a model file, whatever form MODEL_PATH took: its path inside
    the repository when it lives there, else just its name (server paths stay private)."""
    resolved = path.resolve()
    if resolved.is_relative_to(REPO_ROOT):
        return resolved.relative_to(REPO_ROOT).as_posix()
    return resolved.name


def headline_metrics(metrics: dict) -> HeadlineMetrics | None:
    """Return the card's held-out test figures and the always-nv baseline, or None if unknown."""
    test = metrics.get("test")
    if not test:
        return None
    return HeadlineMetrics(
        test={k: test[k] for k in HEADLINE_KEYS if k in test},
        test_images=test.get("n"),
        baseline_always_nv=metrics.get("baseline_always_nv"),
        split=metrics.get("summary", {}).get("split"),
    )


def reference(info: ModelInfo | SegmenterInfo | InputCheckInfo) -> ModelRef:
    """Return a model's name and version."""
    return ModelRef(name=info.name, version=info.version)


def describe_readiness(
    classifiers: Classifiers,
    segmenter: SegmenterInfo | None = None,
    checker: InputCheckInfo | None = None,
) -> Ready:
    """Return the /health body of a ready service: the default and every model it runs."""
    return Ready(
        model=reference(classifiers.default.info),
        models=[reference(predictor.info) for predictor in classifiers],
        classes=list(CLASS_CODES),
        localization=None if segmenter is None else reference(segmenter),
        input_check=None if checker is None else reference(checker),
    )


def summarise(info: ModelInfo) -> ModelSummary:
    """Return what /models says about one classifier: its input size and held-out figures."""
    test = info.metrics.get("test") or {}
    return ModelSummary(
        name=info.name,
        version=info.version,
        input_size=info.input_size.shape,
        metrics={k: float(test[k]) for k in HEADLINE_KEYS if test.get(k) is not None},
        uses_context=info.uses_context,
    )


def describe_models(classifiers: Classifiers) -> ModelList:
    """Return the /models body: the default's name and every classifier, the default first."""
    return ModelList(
        default=classifiers.default.info.name,
        models=[summarise(predictor.info) for predictor in classifiers],
    )


def describe_input_check(checker: InputCheckInfo | None) -> InputCheckDescription | None:
    """Return what /metadata says about the input check, or None when it is off."""
    if checker is None:
        return None
    return InputCheckDescription(
        name=checker.name,
        version=checker.version,
        input_size=checker.input_size.shape,
        threshold=checker.threshold,
    )


def describe_localization(segmenter: SegmenterInfo | None) -> SegmenterDescription | None:
    """Return what /metadata says about the lesion segmenter, or None when it is off."""
    if segmenter is None:
        return None
    test = segmenter.metrics.get("test_200x150", {}).get("segmenter")
    return SegmenterDescription(
        name=segmenter.name,
        version=segmenter.version,
        input_size=segmenter.input_size,
        metrics=None if test is None else {"test": test},
        heatmap="Grad-CAM of the classifier's last feature map, for models that end in "
        "global average pooling",
    )


def describe_service(
    classifiers: Classifiers,
    settings: Settings,
    segmenter: SegmenterInfo | None = None,
    checker: InputCheckInfo | None = None,
    model: str | None = None,
) -> Metadata:
    """Return the /metadata body: the classifier called `model` (None: the default) in full, and
    every one in brief; an unknown name is the 404 of Classifiers.pick."""
    info = classifiers.pick(model).info
    size = info.input_size
    return Metadata(
        model=ServedModel(
            name=info.name,
            version=info.version,
            file=model_file(info.path),
            why_served=info.config.get("why_served"),
            input_size=(*size.shape, 3),
            preprocessing=PREPROCESSING_DESCRIPTION.replace("{size}x{size}", str(size)),
            trained={
                k: info.config[k]
                for k in ("settings", "best_epoch", "train_seconds")
                if k in info.config
            },
        ),
        classes=[ClassInfo(code=c.code, name=c.name, malignant=c.malignant) for c in CLASSES],
        formats=accepted_formats(),
        metrics=headline_metrics(info.metrics),
        localization=describe_localization(segmenter),
        models=describe_models(classifiers).models,
        input_check=describe_input_check(checker),
        limits=Limits(
            max_upload_bytes=settings.max_upload_bytes,
            max_files=settings.max_files,
            max_image_pixels=settings.max_image_pixels,
        ),
        disclaimer=DISCLAIMER,
    )
