"""The only code that talks to the backend: HTTP calls with timeouts, one error type."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from frontend.responses import (
    Health,
    Localization,
    Metadata,
    ModelList,
    Prediction,
    parse_health,
    parse_localization,
    parse_metadata,
    parse_models,
    parse_predictions,
)

# (filename, content, MIME type) for each image to classify.
ImageFile = tuple[str, bytes, str]
# Paths whose 4xx answers refuse the uploaded image itself.
UPLOAD_PATHS = ("/predict", "/localize")
UNAVAILABLE_CODES = ("localization_unavailable", "localisation_unavailable")


class BackendError(Exception):
    """The backend could not be reached or refused a request; `message` says so in plain words,
    `detail` is the backend's own message (None where it gave none)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.detail = detail


class LocalizationUnavailable(BackendError):
    """The backend has no /localize, or no segmenter loaded: only /predict works there."""


class BackendClient:
    """A requests.Session bound to one backend URL, with connect and read timeouts and the
    backend's API key if it needs one."""

    def __init__(
        self,
        base_url: str,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        session: requests.Session | None = None,
        api_key: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        # A fresh connection per request: each one resolves the backend's name again, so that
        # `docker compose --scale backend=N` (one name, N addresses) spreads the page's requests
        # instead of pinning them to the replica a kept-alive connection first reached.
        self.session.headers["Connection"] = "close"
        self.model: str | None = None  # the classifier /predict and /localize ask; None: default
        self.context: dict[str, str] = {}  # age, sex and site sent with /predict and /localize

    def for_model(self, name: str | None) -> BackendClient:
        """Return a client on the same session whose /predict and /localize ask model `name`."""
        bound = copy.copy(self)
        bound.model = name
        return bound

    def with_context(self, context: Mapping[str, str]) -> BackendClient:
        """Return a client on the same session whose /predict and /localize send `context`
        (age, sex and site, each only when given)."""
        bound = copy.copy(self)
        bound.context = {k: v for k, v in context.items() if v}
        return bound

    def health(self) -> Health:
        """Return the model the backend serves, or raise BackendError if it is down or not ready."""
        return self._call("GET", "/health", parse_health)

    def metadata(self) -> Metadata:
        """Return the classes, limits and disclaimer the backend publishes."""
        return self._call("GET", "/metadata", parse_metadata)

    def models(self) -> ModelList | None:
        """Return the classifiers the backend serves, or None for a backend without /models."""
        try:
            return self._call("GET", "/models", parse_models)
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise

    def predict(self, files: Sequence[ImageFile]) -> list[Prediction]:
        """Return one Prediction per image, in order, from a single /predict request."""
        if not files:
            return []
        fields = [("file", (name, data, mime)) for name, data, mime in files]
        return self._call(
            "POST",
            "/predict",
            lambda body: parse_predictions(body, len(files)),
            files=fields,
            data=self._model_field(),
        )

    def localize(self, file: ImageFile, class_code: str | None = None) -> Localization:
        """Return the image's prediction, lesion and heat-map (for `class_code`, else top class).

        Raises LocalizationUnavailable when the backend cannot localize at all.
        """
        name, data, mime = file
        form = ({"class": class_code} if class_code else {}) | self._model_field()
        try:
            return self._call(
                "POST",
                "/localize",
                parse_localization,
                files=[("file", (name, data, mime))],
                data=form or None,
            )
        except BackendError as exc:
            # 404/405: a backend older than /localize; 503 with one of these codes: no segmenter
            # loaded (a backend from before the API's one spelling says `localisation_`).
            older = exc.status in (404, 405) and exc.code != "unknown_model"
            if older or exc.code in UNAVAILABLE_CODES:
                raise LocalizationUnavailable(
                    "Localization is unavailable on this server: it shows the prediction only.",
                    exc.status,
                    exc.code,
                ) from None
            raise

    def _model_field(self) -> dict[str, str]:
        """Return the form fields that name the model asked, if one is, and the context."""
        return ({"model": self.model} if self.model else {}) | self.context

    def _call(self, method: str, path: str, parse: Any, **kwargs: Any) -> Any:
        """Send one request and return parse(JSON body), or raise BackendError."""
        url = self.base_url + path
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise BackendError(
                f"The backend at {self.base_url} did not answer within {self.timeout[1]:g} "
                "seconds. It may be busy or stuck: check that it is running, then try again."
            ) from None
        except requests.ConnectionError:
            raise BackendError(
                f"Cannot reach the backend at {self.base_url}. Is it running? Start it with "
                "`make run` (or `docker compose up`), or set BACKEND_URL to where it runs."
            ) from None
        except requests.RequestException as exc:
            raise BackendError(
                f"Cannot talk to the backend at {self.base_url} ({type(exc).__name__}). "
                "Check BACKEND_URL."
            ) from None
        body = _json_or_none(response)
        if not response.ok:
            raise _http_error(self.base_url, path, response.status_code, body)
        try:
            return parse(body)
        except (ValueError, TypeError) as exc:
            raise BackendError(
                f"The backend at {self.base_url} gave an answer this page does not understand "
                f"({exc}). Check that BACKEND_URL points to the lesion classifier's backend."
            ) from None


def _json_or_none(response: requests.Response) -> Any:
    """Return the response's JSON body, or None when it has none."""
    try:
        return response.json()
    except ValueError:
        return None


def _http_error(base_url: str, path: str, status: int, body: Any) -> BackendError:
    """Return the BackendError for an HTTP error status and its (maybe JSON) body."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(body, dict) and body.get("status") == "unavailable":
        reason = body.get("reason", "no reason given")
        return BackendError(
            f"The backend at {base_url} is running but not ready yet ({reason}). "
            "Wait a moment, then try again.",
            status,
            "not_ready",
        )
    if isinstance(error, dict) and error.get("code") == "unknown_model":
        return BackendError(
            f"The backend no longer serves that model: {error.get('message')}. Reload the page "
            "to see the models it serves now.",
            status,
            "unknown_model",
        )
    if status in (404, 405) or not isinstance(error, dict):
        return BackendError(
            f"The backend at {base_url} answered HTTP {status} to {path}. Check that "
            "BACKEND_URL points to the lesion classifier's backend and that it is running.",
            status,
        )
    code = str(error.get("code", "error"))
    detail = str(error.get("message", "no message"))
    message = detail.rstrip(".")
    if status == 503:
        text = f"The backend is not ready yet: {message}. Wait a moment, then try again."
    elif status >= 500:
        text = f"The backend failed (HTTP {status}): {message}. Its log says more."
    elif path in UPLOAD_PATHS:
        text = f"The backend refused the upload: {message}."
    else:
        text = f"The backend refused the request to {path}: {message}."
    return BackendError(text, status, code, detail)
