"""Service settings, read once from environment variables with sane defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from limits import parse_many

from lesion_core.decode import DEFAULT_DECODE_BUDGET_MB, DEFAULT_MAX_PIXELS, DecodeLimits
from lesion_runtime.shipped import (
    DEFAULT_INPUT_CHECK_PATH,
    DEFAULT_MODEL_PATH,
    DEFAULT_SEGMENTER_PATH,
    ModelChoiceError,
    default_first,
    shipped_classifiers,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
OFF = ("", "none", "off")  # SEGMENTER_PATH and INPUT_CHECK_PATH values that turn them off
MIN_KEY_LENGTH = 16  # shorter API keys are guessable
LOG_FORMATS = ("json", "text")


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the service."""

    # The default classifier, and those served beside it (?model=NAME); from_env serves every
    # shipped one found, this class alone the default.
    model_path: Path = DEFAULT_MODEL_PATH
    more_model_paths: tuple[Path, ...] = ()
    segmenter_path: Path | None = DEFAULT_SEGMENTER_PATH  # None: /localize answers 503
    # None: answers carry no input check; from_env defaults to the shipped check when found.
    input_check_path: Path | None = None
    # Shipped models left out because their file is missing (the service logs each at start).
    missing_shipped: tuple[Path, ...] = ()
    max_upload_bytes: int = 10 * 1024 * 1024
    max_files: int = 16
    max_image_pixels: int = DEFAULT_MAX_PIXELS
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    # gthread workers: enough threads that slow clients and queued requests never leave a
    # liveness probe without one; model work runs in `work_slots` of them at a time.
    threads: int = 32
    work_slots: int = 1
    queue_wait_s: float = 30.0  # how long a request may wait for a slot before its 503
    inference_threads: int = 1
    # Reverse proxies in front that set X-Forwarded-For (compose's and the pod's nginx: 1); 0:
    # the socket's address is the client's.
    trusted_proxy_hops: int = 0
    max_decode_mb: int = DEFAULT_DECODE_BUDGET_MB  # decoded pixels one upload may cost
    api_keys: tuple[str, ...] = field(default=(), repr=False)  # empty: no key needed
    rate_limit: str | None = None  # e.g. "60/minute"; None: no limit
    megapixel_limit: str | None = None  # decoded megapixels per client, e.g. "2000/minute"
    rate_limit_storage: str = "memory://"
    log_format: str = "json"
    metrics_dir: Path | None = None  # gunicorn's PROMETHEUS_MULTIPROC_DIR; None: one process

    @property
    def decode_limits(self) -> DecodeLimits:
        """Return what one upload may cost before it is decoded."""
        return DecodeLimits(self.max_image_pixels, self.max_decode_mb)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Return settings from MODEL_PATHS or MODEL_PATH, DEFAULT_MODEL, SEGMENTER_PATH,
        INPUT_CHECK_PATH, MAX_UPLOAD_MB, MAX_FILES, MAX_IMAGE_PIXELS, LOG_LEVEL, HOST, PORT,
        WEB_CONCURRENCY, GUNICORN_THREADS, WORK_SLOTS, QUEUE_WAIT_S, INFERENCE_THREADS,
        TRUSTED_PROXY_HOPS, MAX_DECODE_MB, API_KEYS or API_KEYS_FILE, RATE_LIMIT,
        RATE_LIMIT_MEGAPIXELS,
        RATE_LIMIT_STORAGE_URI, LOG_FORMAT and PROMETHEUS_MULTIPROC_DIR."""

        def number(name: str, default: float, minimum: float = 1) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            if value < minimum:
                raise SettingsError(f"{name}={raw!r} must be at least {minimum}")
            return value

        level = env.get("LOG_LEVEL", cls.log_level).strip().lower()
        if level not in ("debug", "info", "warning", "error", "critical"):
            raise SettingsError(f"LOG_LEVEL={level!r}: use debug, info, warning, error or critical")
        models, missing = model_paths_from(env)
        segmenter = env.get("SEGMENTER_PATH")
        segmenter_path = (
            DEFAULT_SEGMENTER_PATH
            if segmenter is None
            else None
            if segmenter.strip().lower() in OFF
            else Path(segmenter.strip()).expanduser()
        )
        check = env.get("INPUT_CHECK_PATH")
        if check is None and not DEFAULT_INPUT_CHECK_PATH.is_file():
            input_check_path, missing = None, (*missing, DEFAULT_INPUT_CHECK_PATH)
        elif check is None:
            input_check_path = DEFAULT_INPUT_CHECK_PATH
        else:
            off = check.strip().lower() in OFF
            input_check_path = None if off else Path(check.strip()).expanduser()
        log_format = env.get("LOG_FORMAT", cls.log_format).strip().lower() or cls.log_format
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT={log_format!r}: use json or text")
        metrics_dir = env.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
        return cls(
            model_path=models[0],
            more_model_paths=models[1:],
            segmenter_path=segmenter_path,
            input_check_path=input_check_path,
            missing_shipped=missing,
            max_upload_bytes=int(number("MAX_UPLOAD_MB", 10, 0.001) * 1024 * 1024),
            max_files=int(number("MAX_FILES", cls.max_files)),
            max_image_pixels=int(number("MAX_IMAGE_PIXELS", cls.max_image_pixels)),
            log_level=level,
            host=env.get("HOST", cls.host).strip() or cls.host,
            port=int(number("PORT", cls.port)),
            workers=int(number("WEB_CONCURRENCY", cls.workers)),
            threads=int(number("GUNICORN_THREADS", cls.threads)),
            work_slots=int(number("WORK_SLOTS", cls.work_slots)),
            queue_wait_s=number("QUEUE_WAIT_S", cls.queue_wait_s, 0),
            inference_threads=int(number("INFERENCE_THREADS", cls.inference_threads)),
            trusted_proxy_hops=int(number("TRUSTED_PROXY_HOPS", cls.trusted_proxy_hops, 0)),
            max_decode_mb=int(number("MAX_DECODE_MB", cls.max_decode_mb, 16)),
            api_keys=api_keys_from(env),
            rate_limit=rate_limit_from(env, "RATE_LIMIT"),
            megapixel_limit=rate_limit_from(env, "RATE_LIMIT_MEGAPIXELS"),
            rate_limit_storage=env.get("RATE_LIMIT_STORAGE_URI", "").strip()
            or cls.rate_limit_storage,
            log_format=log_format,
            metrics_dir=Path(metrics_dir) if metrics_dir else None,
        )


def model_paths_from(env: Mapping[str, str]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Return the classifiers to serve, the default first, and the shipped ones left out.

    MODEL_PATHS (comma-separated) or MODEL_PATH (one model) choose them; a file named there must
    exist (the service refuses to start without it). With neither set, the shipped classifiers
    are served, leaving out any whose file is missing. The default is the one DEFAULT_MODEL
    names, else the first."""
    single = env.get("MODEL_PATH", "").strip()
    listed = [p.strip() for p in env.get("MODEL_PATHS", "").split(",") if p.strip()]
    if single and listed:
        raise SettingsError("set MODEL_PATHS (several models) or MODEL_PATH (one), not both")
    if single or listed:
        paths = tuple(dict.fromkeys(Path(p).expanduser() for p in listed or [single]))
        absent: tuple[Path, ...] = ()
    else:
        try:
            paths, absent = shipped_classifiers()
        except ModelChoiceError as exc:
            raise SettingsError(f"{exc}; set MODEL_PATHS") from None
    try:
        return default_first(paths, env.get("DEFAULT_MODEL", "").strip()), absent
    except ModelChoiceError as exc:
        raise SettingsError(f"DEFAULT_MODEL={exc}") from None


def api_keys_from(env: Mapping[str, str]) -> tuple[str, ...]:
    """Return the keys in API_KEYS (comma-separated) or in the file API_KEYS_FILE names (one per
    line or comma-separated; `#` starts a comment), or () when neither is set."""
    raw = env.get("API_KEYS", "")
    source = "API_KEYS"
    path = env.get("API_KEYS_FILE", "").strip()
    if path and raw.strip():
        raise SettingsError("set API_KEYS or API_KEYS_FILE, not both")
    if path:
        source = f"API_KEYS_FILE={path}"
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"{source}: cannot read it ({exc.strerror})") from None
        raw = "\n".join(line.split("#", 1)[0] for line in raw.splitlines())
    keys = tuple(dict.fromkeys(k.strip() for k in raw.replace("\n", ",").split(",") if k.strip()))
    if path and not keys:
        raise SettingsError(f"{source} holds no key")
    for position, key in enumerate(keys, start=1):
        # Name the key by its position only: a key never appears in a message or a log.
        if len(key) < MIN_KEY_LENGTH or any(c.isspace() for c in key):
            raise SettingsError(
                f"{source}: key {position} is shorter than {MIN_KEY_LENGTH} characters or holds "
                "spaces; `python -c 'import secrets; print(secrets.token_urlsafe(32))'` makes one"
            )
    return keys


def rate_limit_from(env: Mapping[str, str], name: str) -> str | None:
    """Return the limit in `name` (RATE_LIMIT: requests, RATE_LIMIT_MEGAPIXELS: decoded
    megapixels; e.g. "60/minute" or "10/second;300/hour") once checked, or None."""
    raw = env.get(name, "").strip()
    if raw.lower() in OFF:
        return None
    try:
        if all(item.amount >= 1 for item in parse_many(raw)):
            return raw
    except ValueError:
        pass
    raise SettingsError(f"{name}={raw!r}: write it like 60/minute, 5/second or 10/second;300/hour")
