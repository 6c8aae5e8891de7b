"""The optional rate limit (Flask-Limiter): one budget per API key, or per client address."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded

from backend.auth import PUBLIC_PATHS
from backend.errors import error_body


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
        wait = math.ceil(current.reset_at - time.time()) if current else 1
        wait = min(max(1, wait), window)
        response = jsonify(
            error_body(
                "rate_limited",
                f"too many requests: the limit is {exc.description}; retry in {wait} s",
            )
        )
        response.headers["Retry-After"] = str(wait)
        return response, 429

    return limiter
