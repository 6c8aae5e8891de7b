"""The optional rate limits: requests (Flask-Limiter) and decoded megapixels (the `limits`
library Flask-Limiter is built on), one budget each per API key, or per client address (the
real client's behind a trusted proxy: backend.app applies ProxyFix)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from flask import Flask, Response, current_app, g, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from backend.auth import PUBLIC_PATHS
from backend.errors import ApiError, error_body
from lesion_core.decode import open_image
from lesion_runtime.decoding import Upload

MEGAPIXEL_PREFIX = "lesion-classifier-megapixels"


def client_identity() -> str:
    """Return whom a request counts against: its API key's id, else the client's address."""
    return g.get("api_key_id") or request.remote_addr or "unknown"


def limit_rate(app: Flask, limit: str | None, storage_uri: str) -> Limiter | None:
    """Limit every request outside PUBLIC_PATHS to `limit` per client (None: no limit); answer
    over it with 429 JSON and Retry-After. Register after the API-key check, which names the key."""
    if limit is None:
        return None
    limiter = Limiter(
        client_identity,
        app=app,
        # One budget for all endpoints together, not one per endpoint.
        application_limits=[limit],
        storage_uri=storage_uri,
        # Approximates a moving window without keeping every hit; memory, Redis and Memcached.
        strategy="sliding-window-counter",
        headers_enabled=False,
        key_prefix="lesion-classifier",
    )
    limiter.request_filter(lambda: request.path in PUBLIC_PATHS)

    @app.errorhandler(RateLimitExceeded)
    def _too_many_requests(exc: RateLimitExceeded) -> tuple[Response, int]:
        current = limiter.current_limit
        window = exc.limit.limit.get_expiry()  # seconds: no wait is longer than one window
        wait = seconds_until(current.reset_at, window) if current else 1
        response = jsonify(
            error_body(
                "rate_limited",
                f"too many requests: the limit is {exc.description}; retry in {wait} s",
            )
        )
        response.headers["Retry-After"] = str(wait)
        return response, 429

    return limiter


def seconds_until(reset_at: float, window: int) -> int:
    """Return the whole seconds until a limit's window resets (1 at least, a window at most)."""
    return min(max(1, math.ceil(reset_at - time.time())), window)


class MegapixelBudget:
    """Each client's decoded megapixels, counted against a limit such as "2000/minute"."""

    def __init__(self, limit: str, storage_uri: str) -> None:
        self.items = parse_many(limit)
        self.counter = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))

    def charge(self, who: str, megapixels: int) -> None:
        """Count `megapixels` against `who`, or raise a 429 ApiError (with Retry-After) when
        that would go over a limit."""
        for item in self.items:
            if not self.counter.hit(item, MEGAPIXEL_PREFIX, who, cost=megapixels):
                reset = self.counter.get_window_stats(item, MEGAPIXEL_PREFIX, who).reset_time
                wait = seconds_until(reset, item.get_expiry())
                raise ApiError(
                    429,
                    "rate_limited",
                    f"too many decoded megapixels: the limit is {item.amount} per "
                    f"{item.multiples} {item.GRANULARITY.name}, this request has {megapixels}; "
                    f"retry in {wait} s",
                    retry_after=wait,
                )


def limit_megapixels(app: Flask, limit: str | None, storage_uri: str) -> None:
    """Count each client's decoded megapixels against `limit` (None: they are not counted)."""
    app.extensions["megapixel_budget"] = (
        None if limit is None else MegapixelBudget(limit, storage_uri)
    )


def charge_megapixels(uploads: Sequence[Upload]) -> None:
    """Count the megapixels the uploads' headers announce against the client's budget, if the
    service has one, before anything is decoded; raise a 429 ApiError over it."""
    budget: MegapixelBudget | None = current_app.extensions.get("megapixel_budget")
    if budget is None:
        return
    pixels = 0
    for upload in uploads:
        try:
            with open_image(upload.data, max_pixels=2**62, max_decode_mb=2**40) as image:
                pixels += image.width * image.height
        except ValueError:  # not an image: the decode refuses it for free
            continue
    budget.charge(client_identity(), max(1, math.ceil(pixels / 1e6)))
