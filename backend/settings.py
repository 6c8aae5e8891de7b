"""Service settings, read once from environment variables with sane defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = REPO_ROOT / "models" / "resnet_small_2x" / "model.onnx"
DEFAULT_SEGMENTER_PATH = REPO_ROOT / "models" / "lesion_segmenter" / "model.onnx"
OFF = ("", "none", "off")  # SEGMENTER_PATH values that turn localisation off


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the service."""

    model_path: Path = DEFAULT_MODEL_PATH
    segmenter_path: Path | None = DEFAULT_SEGMENTER_PATH  # None: /localize answers 503
    max_upload_bytes: int = 10 * 1024 * 1024
    max_files: int = 16
    max_image_pixels: int = 50_000_000
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 1
    inference_threads: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Return settings from MODEL_PATH, SEGMENTER_PATH, MAX_UPLOAD_MB, MAX_FILES,
        MAX_IMAGE_PIXELS, LOG_LEVEL, HOST, PORT, WEB_CONCURRENCY, GUNICORN_THREADS and
        INFERENCE_THREADS."""

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
        model = env.get("MODEL_PATH", "").strip()
        segmenter = env.get("SEGMENTER_PATH")
        segmenter_path = (
            DEFAULT_SEGMENTER_PATH
            if segmenter is None
            else None
            if segmenter.strip().lower() in OFF
            else Path(segmenter.strip()).expanduser()
        )
        return cls(
            model_path=Path(model).expanduser() if model else DEFAULT_MODEL_PATH,
            segmenter_path=segmenter_path,
            max_upload_bytes=int(number("MAX_UPLOAD_MB", 10, 0.001) * 1024 * 1024),
            max_files=int(number("MAX_FILES", cls.max_files)),
            max_image_pixels=int(number("MAX_IMAGE_PIXELS", cls.max_image_pixels)),
            log_level=level,
            host=env.get("HOST", cls.host).strip() or cls.host,
            port=int(number("PORT", cls.port)),
            workers=int(number("WEB_CONCURRENCY", cls.workers)),
            threads=int(number("GUNICORN_THREADS", cls.threads)),
            inference_threads=int(number("INFERENCE_THREADS", cls.inference_threads)),
        )
