"""Frontend settings, read once from environment variables with defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_BACKEND_URL = "http://localhost:8000"
MIN_PASSWORD_LENGTH = 12


class SettingsError(ValueError):
    """An environment variable holds a value the frontend cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the backend is, how long to wait for it, and the API key it may need."""

    backend_url: str = DEFAULT_BACKEND_URL
    connect_timeout: float = 3.0
    read_timeout: float = 30.0
    api_key: str | None = field(default=None, repr=False)  # never shown, never logged
    password: str | None = field(default=None, repr=False)  # FRONTEND_PASSWORD; None: no login

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Return settings from BACKEND_URL, BACKEND_TIMEOUT (seconds to wait for an answer),
        BACKEND_API_KEY (sent as `Authorization: Bearer <key>` when set) and FRONTEND_PASSWORD
        (asked for before the page shows anything, when set)."""
        url = env.get("BACKEND_URL", "").strip().rstrip("/") or DEFAULT_BACKEND_URL
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"BACKEND_URL={url!r} must start with http:// or https://")
        api_key = env.get("BACKEND_API_KEY", "").strip() or None
        password = env.get("FRONTEND_PASSWORD", "") or None
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            raise SettingsError(
                f"FRONTEND_PASSWORD is shorter than {MIN_PASSWORD_LENGTH} characters; choose a "
                "longer one"
            )
        raw = env.get("BACKEND_TIMEOUT", "").strip()
        if not raw:
            return cls(backend_url=url, api_key=api_key, password=password)
        try:
            timeout = float(raw)
        except ValueError:
            raise SettingsError(f"BACKEND_TIMEOUT={raw!r} is not a number of seconds") from None
        if timeout <= 0:
            raise SettingsError(f"BACKEND_TIMEOUT={raw!r} must be more than 0 seconds")
        return cls(backend_url=url, read_timeout=timeout, api_key=api_key, password=password)
