"""Classify image files with a running service over HTTP: several files per POST /predict (within
the limits its /metadata states), a few requests at a time, the API key sent as backend/auth.py
expects it (`Authorization: Bearer <key>`)."""

from __future__ import annotations

import math
import mimetypes
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from lesion_api.predictions import FileError, PredictAnswer, PredictionList
from lesion_api.rows import Row
from lesion_api.service import Metadata
from lesion_cli.arguments import API_KEY_VARIABLE
from lesion_cli.errors import FAILED, CliError
from lesion_cli.inputs import path_key
from lesion_cli.pool import in_order
from lesion_core.context import Context

TIMEOUT = (5, 120)  # seconds to connect, and to wait for a full request's answer
RETRIES = 4  # tries for an answer that says "later" (429, 502-504) or a dropped connection
RETRY_LATER = {429, 502, 503, 504}
IMAGE_ERRORS = {400, 413, 415}  # a one-file request refused for that file
PART_OVERHEAD = 1024  # bytes of multipart framing per file, kept free under the upload limit


class RemoteRunner:
    """A client of one service and one of its classifiers (None: the service's default)."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        model: str | None,
        workers: int,
        contexts: Mapping[str, Context] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.contexts = contexts or {}  # by path_key: what a CSV said of each image
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.params = {"model": model} if model else {}
        self.workers = workers
        self._sessions = threading.local()
        try:
            response = self.answer("GET", "/metadata", tries=1)
        except CliError as exc:  # nothing has run yet: a wrong --url, or no service there
            raise CliError(exc.message) from None
        if response.status_code != 200:
            raise self.refused(response)
        try:
            metadata = Metadata.model_validate(response.json())
        except ValueError:  # not JSON, or not the shape of /metadata (pydantic's errors too)
            raise CliError(f"{self.url} is not the lesion classifier's service") from None
        self.name = metadata.model.name
        self.version = metadata.model.version
        self.max_files = metadata.limits.max_files
        self.max_bytes = metadata.limits.max_upload_bytes

    def classify(self, paths: Sequence[Path]) -> Iterator[list[Row]]:
        """Yield the rows of `paths` a request at a time, in order."""
        yield from in_order(self.classify_batch, self.batches(paths), self.workers)

    def batches(self, paths: Sequence[Path]) -> list[list[Path]]:
        """Return the files grouped into requests within the service's limits (files and bytes
        per request), small runs split so that every worker gets one."""
        most = max(1, min(self.max_files, math.ceil(len(paths) / self.workers)))
        batches: list[list[Path]] = []
        size = 0
        for path in paths:
            length = path.stat().st_size + PART_OVERHEAD if path.is_file() else 0
            if not batches or len(batches[-1]) == most or size + length > self.max_bytes:
                batches.append([])
                size = 0
            batches[-1].append(path)
            size += length
        return batches

    def classify_batch(self, paths: Sequence[Path]) -> list[Row]:
        """Return the rows of a few files, sent in one request."""
        rows: dict[int, Row] = {}
        files: dict[int, tuple[str, bytes, str]] = {}
        for i, path in enumerate(paths):
            try:
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                files[i] = (path.name, path.read_bytes(), media_type)
            except OSError as exc:
                message = f"'{path.name}': {exc.strerror or exc}"
                rows[i] = self.failed(path, "unreadable_file", message)
        # A request's context holds for all its files: one request per context in the batch.
        by_context: dict[Context, list[int]] = {}
        for i in files:
            by_context.setdefault(self.contexts.get(path_key(paths[i]), Context()), []).append(i)
        for context, group in by_context.items():
            fields = [("file", files[i]) for i in group]
            given = {k: str(v) for k, v in context.as_dict().items() if v is not None}
            response = self.answer("POST", "/predict", files=fields, data=given)
            for i, result in zip(group, self.results(response, len(group)), strict=True):
                if isinstance(result, FileError):
                    rows[i] = self.failed(paths[i], result.error.code, result.error.message)
                else:
                    rows[i] = Row.answered(str(paths[i]), self.name, result)
        return [rows[i] for i in range(len(paths))]

    def results(self, response: requests.Response, count: int) -> list:
        """Return one Prediction or FileError per file of a /predict answer, in order."""
        if response.status_code in IMAGE_ERRORS and count == 1:
            return [FileError.model_validate({"error": error_of(response)})]
        if response.status_code != 200:
            raise self.refused(response)
        answer = PredictAnswer.model_validate(response.json()).root
        return answer.results if isinstance(answer, PredictionList) else [answer]

    def failed(self, path: Path, code: str, message: str) -> Row:
        """Return the row of a file that was refused or could not be read."""
        return Row.failed(str(path), self.name, self.version, code, message, path.name)

    def answer(
        self, method: str, route: str, tries: int = RETRIES, **kwargs: Any
    ) -> requests.Response:
        """Return the service's answer to one request, tried again (up to `tries` times in all)
        while it says "later" (429, 502-504) or drops the connection; raise CliError when it
        cannot be reached."""
        attempt = 1
        while True:
            try:
                response = self.session().request(
                    method, self.url + route, params=self.params, timeout=TIMEOUT, **kwargs
                )
            except requests.RequestException as exc:
                if attempt >= tries:
                    raise CliError(
                        f"cannot reach the service at {self.url} ({type(exc).__name__}); is it "
                        "running?",
                        FAILED,
                    ) from None
                delay = 2.0**attempt
            else:
                if response.status_code not in RETRY_LATER or attempt >= tries:
                    return response
                delay = retry_after(response, 2.0**attempt)
            time.sleep(delay)
            attempt += 1

    def refused(self, response: requests.Response) -> CliError:
        """Return the CliError for an answer that refuses a request as a whole."""
        error = error_of(response)
        if response.status_code == 401 and not self.headers:
            return CliError(
                f"the service at {self.url} needs an API key: pass --api-key or set "
                f"{API_KEY_VARIABLE}"
            )
        if response.status_code == 401:
            return CliError(f"the service at {self.url} refused the API key ({error['code']})")
        if error["code"] == "unknown_model":
            return CliError(f"--model: {error['message']}")
        return CliError(
            f"the service at {self.url} answered {response.status_code} {error['code']}: "
            f"{error['message']}",
            FAILED,
        )

    def session(self) -> requests.Session:
        """Return this thread's HTTP session (requests sessions are not shared across threads)."""
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
            self._sessions.session.headers.update(self.headers)
        return self._sessions.session


def retry_after(response: requests.Response, default: float) -> float:
    """Return the seconds a "later" answer asks to wait (its Retry-After), or `default`."""
    try:
        return min(60.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return default


def error_of(response: requests.Response) -> dict[str, str]:
    """Return the {"code", "message"} of an error answer, whatever its body."""
    try:
        error = response.json()["error"]
        return {"code": str(error["code"]), "message": str(error["message"])}
    except (ValueError, KeyError, TypeError):
        return {"code": f"http_{response.status_code}", "message": response.reason or "no reason"}
