"""Ask the backend about images (in batches it accepts, remembered) and tabulate predictions."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence

import pandas as pd

from frontend.client import BackendClient, BackendError, ImageFile, LocalizationUnavailable
from frontend.responses import LesionClass, Localization, Prediction

# Room for multipart headers around each file, so a batch stays under the upload limit.
PART_OVERHEAD_BYTES = 1024

Outcome = Prediction | BackendError
# Localisations by (image fingerprint, class code or "" for the predicted class); None where the
# backend cannot localise, so a page rerun does not ask again.
LocalizationMemo = MutableMapping[tuple[str, str], Localization | None]


def percent(probability: float) -> str:
    """Return a probability as a percentage with one decimal, e.g. '71.3 %'."""
    return f"{probability * 100:.1f} %"


def fingerprint(data: bytes) -> str:
    """Return the key under which an image's prediction is remembered."""
    return hashlib.sha256(data).hexdigest()


def batches(files: Sequence[ImageFile], max_files: int, max_bytes: int) -> list[list[ImageFile]]:
    """Return the files split, in order, into requests of at most max_files and max_bytes."""
    groups: list[list[ImageFile]] = []
    size = 0
    for file in files:
        cost = len(file[1]) + PART_OVERHEAD_BYTES
        if not groups or len(groups[-1]) >= max_files or size + cost > max_bytes:
            groups.append([])
            size = 0
        groups[-1].append(file)
        size += cost
    return groups


def classify(
    client: BackendClient,
    files: Sequence[ImageFile],
    max_files: int,
    max_bytes: int,
    memo: MutableMapping[str, Prediction],
) -> list[Outcome]:
    """Return a Prediction, or the BackendError that refused it, for each file, in order.

    Predictions are kept in `memo`, so a rerun of the page sends only new images. An image the
    backend refuses gets its own error; a backend that is down raises BackendError.
    """
    outcomes: dict[str, Outcome] = {}
    todo = [f for f in files if fingerprint(f[1]) not in memo]
    for batch in batches(todo, max_files, max_bytes):
        for file, outcome in zip(batch, _classify_batch(client, batch), strict=True):
            if isinstance(outcome, Prediction):
                memo[fingerprint(file[1])] = outcome
            else:
                outcomes[fingerprint(file[1])] = outcome
    return [memo.get(fingerprint(f[1])) or outcomes[fingerprint(f[1])] for f in files]


def _classify_batch(client: BackendClient, batch: list[ImageFile]) -> list[Outcome]:
    """Return the outcomes of one request; if it is refused, retry its images one by one."""
    try:
        return list(client.predict(batch))
    except BackendError as exc:
        if not _refused(exc):
            raise
        if len(batch) == 1:
            return [exc]
    return [_classify_batch(client, [file])[0] for file in batch]


def _refused(exc: BackendError) -> bool:
    """Return whether the backend refused the images themselves (4xx), rather than failing."""
    return exc.status is not None and 400 <= exc.status < 500


def localize(
    client: BackendClient, file: ImageFile, class_code: str | None, memo: LocalizationMemo
) -> Localization | None:
    """Return the image's localisation for `class_code`, or None where the backend cannot localise.

    A `class_code` of None asks about the predicted class. Answers are kept in `memo`, so each
    image and class is asked once; other failures raise BackendError.
    """
    key = (fingerprint(file[1]), class_code or "")
    if key not in memo:
        try:
            memo[key] = client.localize(file, class_code)
        except LocalizationUnavailable:
            memo[key] = None
    return memo[key]


def probability_frame(prediction: Prediction, classes: Sequence[LesionClass]) -> pd.DataFrame:
    """Return one row per class (name, code, probability in %), most probable first."""
    rows = [
        {
            "Class": f"{c.name} ({c.code})",
            "Probability (%)": 100 * prediction.probabilities[c.code],
            "Type": "malignant" if c.malignant else "benign",
        }
        for c in classes
        if c.code in prediction.probabilities
    ]
    frame = pd.DataFrame(rows, columns=["Class", "Probability (%)", "Type"])
    return frame.sort_values("Probability (%)", ascending=False, kind="stable", ignore_index=True)


def summary_frame(
    names: Sequence[str], outcomes: Sequence[Outcome], classes: Sequence[LesionClass]
) -> pd.DataFrame:
    """Return one row per image: its top class, probability, tag and all seven probabilities."""
    rows = []
    for name, outcome in zip(names, outcomes, strict=True):
        row: dict[str, object] = {"Image": name}
        if isinstance(outcome, Prediction):
            row |= {
                "Predicted class": outcome.label_name,
                "Code": outcome.label,
                "Probability": round(outcome.confidence, 4),
                "Tag": "malignant" if outcome.malignant else "benign",
            }
            row |= {c.code: round(outcome.probabilities.get(c.code, 0.0), 4) for c in classes}
        else:
            row["Error"] = outcome.message
        rows.append(row)
    return pd.DataFrame(rows)


def to_csv(frame: pd.DataFrame) -> bytes:
    """Return the table as UTF-8 CSV bytes without the index."""
    return frame.to_csv(index=False).encode("utf-8")
