"""The Flask application factory that gunicorn serves: `gunicorn "backend.app:create_app()"`."""

from __future__ import annotations

from flask import Flask

from backend.auth import require_api_keys
from backend.errors import register_error_handlers
from backend.log_format import configure_logging
from backend.metrics import publish_model, register_metrics_endpoint
from backend.model_timing import TimedPredictor, TimedSegmenter
from backend.predictor import Predictor
from backend.rate_limit import limit_rate
from backend.request_log import register_request_log
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
    configure_logging(settings.log_level, settings.log_format)
    app = Flask(__name__, static_folder=None)  # the service serves no files
    app.request_class = InMemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_upload_bytes
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    predictor = predictor or Predictor(settings.model_path, settings.inference_threads)
    publish_model("classifier", predictor.info.name, predictor.info.version)
    app.extensions["predictor"] = TimedPredictor(predictor)
    if segmenter is None and settings.segmenter_path is not None:
        segmenter = Segmenter(settings.segmenter_path, settings.inference_threads)
    if segmenter is not None:
        publish_model("segmenter", segmenter.info.name, segmenter.info.version)
    app.extensions["segmenter"] = None if segmenter is None else TimedSegmenter(segmenter)
    # Hooks run in this order: the request's id and clock, its key, then its rate limit.
    register_request_log(app)
    require_api_keys(app, settings.api_keys)
    limit_rate(app, settings.rate_limit, settings.rate_limit_storage)
    app.register_blueprint(api)
    register_metrics_endpoint(app, settings.metrics_dir)
    register_error_handlers(app)
    return app
