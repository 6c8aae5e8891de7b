"""Frontend settings, read once from environment variables with defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_BACKEND_URL = "http://localhost:8000"


class SettingsError(ValueError):
    """An environment variable holds a value the frontend cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the backend is and how long to wait for it."""

    backend_url: str = DEFAULT_BACKEND_URL
    connect_timeout: float = 3.0
    read_timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Return settings from BACKEND_URL and BACKEND_TIMEOUT (seconds to wait for an answer)."""
        url = env.get("BACKEND_URL", "").strip().rstrip("/") or DEFAULT_BACKEND_URL
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"BACKEND_URL={url!r} must start with http:// or https://")
        raw = env.get("BACKEND_TIMEOUT", "").strip()
        if not raw:
            return cls(backend_url=url)
        try:
            timeout = float(raw)
        except ValueError:
            raise SettingsError(f"BACKEND_TIMEOUT={raw!r} is not a number of seconds") from None
        if timeout <= 0:
            raise SettingsError(f"BACKEND_TIMEOUT={raw!r} must be more than 0 seconds")
        return cls(backend_url=url, read_timeout=timeout)
