"""API keys: with keys configured, every endpoint but the probes and /metrics needs a Bearer key."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, g, jsonify, request

from backend.errors import error_body

# Probes and the metrics scraper carry no key; these answer without one.
PUBLIC_PATHS = frozenset({"/health", "/livez", "/metrics"})
REALM = "lesion-classifier"


def key_id(key: str) -> str:
    """Return a short stable name for a key (a hash prefix) that rate limits can use instead."""
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def bearer_token(header: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def is_known(token: str, digests: list[bytes]) -> bool:
    """Return whether `token` is one of the keys, comparing digests in constant time."""
    presented = hashlib.sha256(token.encode()).digest()
    # Compare with every key, with no early exit, so timing says nothing about which matched.
    return any([hmac.compare_digest(presented, digest) for digest in digests])


def unauthorized(code: str, message: str, error: str | None = None) -> Response:
    """Return the 401 JSON answer with its WWW-Authenticate challenge (RFC 6750)."""
    response = jsonify(error_body(code, message))
    response.status_code = 401
    challenge = f'Bearer realm="{REALM}"'
    response.headers["WWW-Authenticate"] = challenge + (f', error="{error}"' if error else "")
    return response


def require_api_keys(app: Flask, keys: tuple[str, ...]) -> None:
    """Make every request to `app` outside PUBLIC_PATHS present one of `keys`; no keys: no check."""
    if not keys:
        return
    digests = [hashlib.sha256(key.encode()).digest() for key in keys]

    @app.before_request
    def _check_api_key() -> Response | None:
        if request.path in PUBLIC_PATHS:
            return None
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return unauthorized(
                "missing_api_key", "this server needs an API key: send Authorization: Bearer <key>"
            )
        if not is_known(token, digests):
            return unauthorized("invalid_api_key", "the API key is not valid", "invalid_token")
        g.api_key_id = key_id(token)
        return None
