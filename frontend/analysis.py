"""Ask the backend about images, once each: /localize for images shown, /predict where it cannot."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence

from frontend.client import BackendClient, BackendError, ImageFile, LocalizationUnavailable
from frontend.responses import FileError, Localization, Prediction

# Room for multipart headers around each file, so a batch stays under the upload limit.
PART_OVERHEAD_BYTES = 1024

Outcome = Prediction | BackendError
# Localizations by (image fingerprint, class code or "" for the predicted class); None where the
# backend cannot localize, so a page rerun does not ask again.
LocalizationMemo = MutableMapping[tuple[str, str], Localization | None]
# Predictions by image fingerprint, for images /predict answered because /localize could not.
PredictionMemo = MutableMapping[str, Prediction]


def fingerprint(data: bytes) -> str:
    """Return the key under which an image's answers are remembered."""
    return hashlib.sha256(data).hexdigest()


def analyse(
    client: BackendClient,
    files: Sequence[ImageFile],
    max_files: int,
    max_bytes: int,
    localizations: LocalizationMemo,
    predictions: PredictionMemo,
) -> list[Outcome]:
    """Return a Prediction, or the BackendError that refused it, for each file, in order.

    Each image costs one request: /localize, whose answer carries the prediction as well as what
    the page draws over the image. Where the backend cannot localize, the images go to /predict in
    batches instead. Answers are remembered, so a rerun of the page sends only new images; a
    backend that is down raises BackendError.
    """
    refused: dict[str, BackendError] = {}
    keys = [fingerprint(file[1]) for file in files]
    unlocalized: list[tuple[ImageFile, str]] = []  # with their fingerprints
    for file, key in zip(files, keys, strict=True):
        if key in refused or remembered(key, localizations, predictions):
            continue
        # Once the backend says it cannot localize, the other images go straight to /predict,
        # and are remembered as not localizable, so their result cards do not ask either.
        if unlocalized or (key, "") in localizations:
            localizations[(key, "")] = None
            unlocalized.append((file, key))
            continue
        try:
            localizations[(key, "")] = client.localize(file)
        except LocalizationUnavailable:
            localizations[(key, "")] = None
            unlocalized.append((file, key))
        except BackendError as exc:
            if not _refused(exc):
                raise
            refused[key] = exc
    outcomes = classify(client, [f for f, _ in unlocalized], max_files, max_bytes, predictions)
    for (_, key), outcome in zip(unlocalized, outcomes, strict=True):
        if isinstance(outcome, BackendError):
            refused[key] = outcome
    return [remembered(k, localizations, predictions) or refused[k] for k in keys]


def remembered(
    key: str, localizations: LocalizationMemo, predictions: PredictionMemo
) -> Prediction | None:
    """Return the remembered prediction of the image with fingerprint `key`, if any."""
    localization = localizations.get((key, ""))
    return localization.prediction if localization is not None else predictions.get(key)


def localize(
    client: BackendClient, file: ImageFile, class_code: str | None, memo: LocalizationMemo
) -> Localization | None:
    """Return the image's localization for `class_code`, or None where the backend cannot localize.

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
    memo: PredictionMemo,
) -> list[Outcome]:
    """Return /predict's Prediction, or the BackendError that refused it, for each file, in order.

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
    """Return the outcomes of one request (the backend refuses bad images one by one in its
    answer); if the request as a whole is refused, retry its images one by one."""
    try:
        return [_outcome(item) for item in client.predict(batch)]
    except BackendError as exc:
        if not _refused(exc):
            raise
        if len(batch) == 1:
            return [exc]
    return [_classify_batch(client, [file])[0] for file in batch]


def _outcome(item: Prediction | FileError) -> Outcome:
    """Return a /predict result as the page's outcome: a refused image becomes its BackendError."""
    if isinstance(item, Prediction):
        return item
    message = item.error.message.rstrip(".")
    return BackendError(
        f"The backend refused the upload: {message}.",
        code=item.error.code,
        detail=item.error.message,
    )


def _refused(exc: BackendError) -> bool:
    """Return whether the backend refused the images themselves (4xx), rather than failing."""
    return exc.status is not None and 400 <= exc.status < 500
