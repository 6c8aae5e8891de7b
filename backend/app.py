"""The Flask application factory that gunicorn serves: `gunicorn "backend.app:create_app()"`."""

from __future__ import annotations

import logging
import sys

from flask import Flask

from backend.errors import register_error_handlers
from backend.predictor import Predictor
from backend.routes import api
from backend.segmenter import Segmenter
from backend.settings import Settings
from backend.uploads import InMemoryRequest


def create_app(
    settings: Settings | None = None,
    predictor: Predictor | None = None,
    segmenter: Segmenter | None = None,
) -> Flask:
    """Return the app with its models loaded and warmed up (settings from the environment)."""
    settings = settings or Settings.from_env()
    _configure_logging(settings.log_level)
    app = Flask(__name__)
    app.request_class = InMemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_upload_bytes
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["predictor"] = predictor or Predictor(
        settings.model_path, settings.inference_threads
    )
    if segmenter is None and settings.segmenter_path is not None:
        segmenter = Segmenter(settings.segmenter_path, settings.inference_threads)
    app.extensions["segmenter"] = segmenter
    app.register_blueprint(api)
    register_error_handlers(app)
    return app


def _configure_logging(level: str) -> None:
    """Send the backend's log lines to stderr, beside gunicorn's own, once per process."""
    logger = logging.getLogger("backend")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter(
                "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                "%Y-%m-%d %H:%M:%S %z",
            )
        )
        logger.addHandler(handler)
        logger.propagate = False
