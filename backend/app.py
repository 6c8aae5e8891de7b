"""The Flask application factory that gunicorn serves: `gunicorn "backend.app:create_app()"`."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.auth import require_api_keys
from backend.classifiers import Classifiers
from backend.errors import register_error_handlers
from backend.info_routes import info
from backend.log_format import configure_logging
from backend.metrics import publish_model, register_metrics_endpoint
from backend.rate_limit import limit_megapixels, limit_rate
from backend.request_log import register_request_log
from backend.routes import api
from backend.settings import Settings
from backend.uploads import InMemoryRequest
from backend.work_slots import RESERVED_THREADS, WorkSlots
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor
from lesion_runtime.segmenter import Segmenter

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    predictor: Predictor | Sequence[Predictor] | None = None,
    segmenter: Segmenter | None = None,
    input_checker: InputChecker | None = None,
) -> Flask:
    """Return the app with its models loaded and warmed up (settings from the environment);
    `predictor` is one classifier or several (the first is the default)."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    for path in settings.missing_shipped:
        log.warning("shipped model %s not found: serving without it", path)
    app = Flask(__name__, static_folder=None)  # the service serves no files
    app.request_class = InMemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_upload_bytes
    app.json.sort_keys = False
    if settings.trusted_proxy_hops:
        # The client's address and scheme as the proxies in front saw them (X-Forwarded-*).
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions["settings"] = settings
    waiting = max(0, settings.threads - settings.work_slots - RESERVED_THREADS)
    app.extensions["work_slots"] = WorkSlots(settings.work_slots, waiting, settings.queue_wait_s)
    if predictor is None:
        paths = (settings.model_path, *settings.more_model_paths)
        predictors = [Predictor(path, settings.inference_threads) for path in paths]
    else:
        predictors = [predictor] if isinstance(predictor, Predictor) else list(predictor)
    for each in predictors:
        publish_model("classifier", each.info.name, each.info.version)
    app.extensions["classifiers"] = Classifiers(predictors)
    if segmenter is None and settings.segmenter_path is not None:
        segmenter = Segmenter(settings.segmenter_path, settings.inference_threads)
    if segmenter is not None:
        publish_model("segmenter", segmenter.info.name, segmenter.info.version)
    app.extensions["segmenter"] = segmenter
    if input_checker is None and settings.input_check_path is not None:
        input_checker = InputChecker(settings.input_check_path, settings.inference_threads)
    if input_checker is not None:
        publish_model("input_check", input_checker.info.name, input_checker.info.version)
    app.extensions["input_checker"] = input_checker
    # Hooks run in this order: the request's id and clock, its key, then its rate limit.
    register_request_log(app)
    require_api_keys(app, settings.api_keys)
    limit_rate(app, settings.rate_limit, settings.rate_limit_storage)
    limit_megapixels(app, settings.megapixel_limit, settings.rate_limit_storage)
    app.register_blueprint(info)
    app.register_blueprint(api)
    register_metrics_endpoint(app, settings.metrics_dir)
    register_error_handlers(app)
    return app
