"""Production defaults for gunicorn; every value comes from backend.settings (environment)."""

import sys

from backend.model_file import ModelLoadError, check_model_file
from backend.settings import Settings, SettingsError

try:
    _settings = Settings.from_env()
except SettingsError as exc:
    sys.exit(f"error: {exc}")

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
threads = _settings.threads
loglevel = _settings.log_level
# TensorFlow is not fork-safe: each worker imports it and loads the model itself.
preload_app = False
timeout = 60
graceful_timeout = 20
keepalive = 5
# Bound what one connection may send before the app sees it.
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server):
    """Stop before forking workers when a model file is missing or corrupt: one line, no trace."""
    try:
        check_model_file(_settings.model_path)
        if _settings.segmenter_path is not None:
            check_model_file(_settings.segmenter_path)
    except ModelLoadError as exc:
        server.log.error("%s", exc)
        sys.exit(1)
