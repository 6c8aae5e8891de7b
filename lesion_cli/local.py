"""Classify image files in this process, through the inference code the service runs: the
shared preprocessing, the ONNX classifier, the input check and the answer's shape
(lesion_runtime.classify). Batches are read,
decoded and classified by a pool of threads side by side: the decoder and ONNX Runtime both
release the GIL, so each thread keeps a core busy."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from lesion_api.rows import Row
from lesion_cli.errors import CliError
from lesion_cli.inputs import path_key
from lesion_cli.pool import in_order
from lesion_core.context import Context
from lesion_core.decode import DecodeLimits
from lesion_runtime.classify import classify
from lesion_runtime.decoding import Refused, Upload
from lesion_runtime.input_check import InputChecker
from lesion_runtime.model_file import ModelLoadError
from lesion_runtime.predictor import Predictor
from lesion_runtime.shipped import DEFAULT_INPUT_CHECK_PATH

DEFAULT_LIMITS = DecodeLimits()  # the service's defaults
BATCH_SIZE = 16  # images per model call: as many as the service takes in one request


class LocalRunner:
    """A classifier and the service's input check, loaded once, classifying files in batches."""

    def __init__(
        self,
        model_path: Path,
        workers: int,
        input_check_path: Path | None = DEFAULT_INPUT_CHECK_PATH,
        limits: DecodeLimits = DEFAULT_LIMITS,
        contexts: Mapping[str, Context] | None = None,
    ) -> None:
        try:
            # One thread per model call: the workers run their calls side by side instead.
            self.predictor = Predictor(model_path, inference_threads=1)
            has_check = input_check_path is not None and input_check_path.is_file()
            self.checker = InputChecker(input_check_path) if has_check else None
        except ModelLoadError as exc:
            raise CliError(str(exc)) from None
        self.name = self.predictor.info.name
        self.version = self.predictor.info.version
        self.workers = workers
        self.limits = limits
        self.contexts = contexts or {}  # by path_key: what a CSV said of each image

    def classify(self, paths: Sequence[Path]) -> Iterator[list[Row]]:
        """Yield the rows of `paths` a batch at a time, in order; small runs are split so that
        every worker gets a batch."""
        size = max(1, min(BATCH_SIZE, math.ceil(len(paths) / self.workers)))
        batches = [paths[i : i + size] for i in range(0, len(paths), size)]
        yield from in_order(self.classify_batch, batches, self.workers)

    def classify_batch(self, paths: Sequence[Path]) -> list[Row]:
        """Return the rows of a few files: each read, decoded and checked as the service does
        with an upload, and classified in one model call."""
        rows: dict[int, Row] = {}
        uploads: dict[int, Upload] = {}
        for i, path in enumerate(paths):
            try:
                uploads[i] = Upload(path.read_bytes(), path.name)
            except OSError as exc:
                message = f"'{path.name}': {exc.strerror or exc}"
                rows[i] = self.failed(path, "unreadable_file", message)
        contexts = [self.contexts.get(path_key(paths[i]), Context()) for i in uploads]
        results = classify(
            list(uploads.values()), self.predictor, self.limits, self.checker, contexts
        )
        for i, result in zip(uploads, results, strict=True):
            if isinstance(result, Refused):
                rows[i] = self.failed(paths[i], result.code, result.message)
            else:
                rows[i] = Row.answered(str(paths[i]), self.name, result)
        return [rows[i] for i in range(len(paths))]

    def failed(self, path: Path, code: str, message: str) -> Row:
        """Return the row of a file that was refused or could not be read."""
        return Row.failed(str(path), self.name, self.version, code, message, path.name)
