"""Prometheus metrics: what every worker counts, and the `GET /metrics` page that adds them up.

Under gunicorn, gunicorn.conf.py points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the
workers fork; prometheus-client then keeps each worker's values in files there, and `/metrics`
sums them, so one scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Flask, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from backend.openapi import Operation, Reply, documented

REQUESTS = Counter(
    "lesion_http_requests_total",
    "HTTP requests answered, by endpoint (the route, or 'unmatched'), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "lesion_http_request_duration_seconds",
    "Seconds from a request reaching the app to its response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IN_PROGRESS = Gauge(
    "lesion_http_requests_in_progress",
    "Requests being answered right now, by endpoint.",
    ["endpoint"],
    multiprocess_mode="livesum",
)
MODEL_SECONDS = Histogram(
    "lesion_model_inference_seconds",
    "Seconds in one call of a model (the classifier on a batch, or the segmenter), by model name.",
    ["model"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
IMAGES = Histogram(
    "lesion_images_per_request",
    "Images the classifier answered in one request, by endpoint.",
    ["endpoint"],
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
UPLOAD_BYTES = Histogram(
    "lesion_upload_bytes",
    "Size in bytes of each uploaded request body (multipart or raw image), by endpoint.",
    ["endpoint"],
    buckets=(16e3, 64e3, 256e3, 1e6, 4e6, 16e6, 64e6),
)
INPUT_CHECK_FLAGS = Counter(
    "lesion_input_check_flags_total",
    "Uploads the input check flagged (for example as not dermatoscopy), by flag.",
    ["flag"],
)
MODEL_INFO = Gauge(
    "lesion_model_info",
    "The models this server runs: 1 for each (role, name, version).",
    ["role", "name", "version"],
    # The largest value among live workers: 1 while any worker serves that version.
    multiprocess_mode="livemax",
)


def record_request(
    endpoint: str, method: str, status: int, seconds: float, images: int, upload_bytes: int
) -> None:
    """Count one answered request, its latency, the images it classified and its upload size."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if images:
        IMAGES.labels(endpoint).observe(images)
    if upload_bytes:
        UPLOAD_BYTES.labels(endpoint).observe(upload_bytes)


def record_model_time(model: str, seconds: float) -> None:
    """Add one model call's duration to that model's histogram."""
    MODEL_SECONDS.labels(model).observe(seconds)


def record_input_check_flag(flag: str) -> None:
    """Count one upload that the input check flagged with `flag` (a short fixed word)."""
    INPUT_CHECK_FLAGS.labels(flag).inc()


def publish_model(role: str, name: str, version: str) -> None:
    """Show a served model in `lesion_model_info` (role: classifier or segmenter)."""
    MODEL_INFO.labels(role, name, version).set(1)


class WorkersCollector(Collector):
    """Every worker's metrics files added up, as prometheus-client's MultiProcessCollector does,
    leaving out files not sized yet: a worker creates each file empty and sizes it a moment
    later, and one empty file made the whole scrape fail (client_python issue 1199)."""

    def __init__(self, metrics_dir: Path) -> None:
        self._dir = metrics_dir

    def collect(self) -> Iterable[Metric]:
        files = [str(f) for f in self._dir.glob("*.db") if _size(f) > 0]
        return multiprocess.MultiProcessCollector.merge(files, accumulate=True)


def _size(file: Path) -> int:
    """Return a file's size in bytes; 0 when a dead worker's file was removed meanwhile."""
    try:
        return file.stat().st_size
    except FileNotFoundError:
        return 0


def exposition(metrics_dir: Path | None) -> bytes:
    """Return every metric in Prometheus text format: all workers' when `metrics_dir` is set."""
    if metrics_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    registry.register(WorkersCollector(metrics_dir))
    return generate_latest(registry)


def register_metrics_endpoint(app: Flask, metrics_dir: Path | None) -> None:
    """Serve `GET /metrics` on `app` (no key needed, never rate-limited)."""

    @documented(
        Operation(
            "Prometheus metrics of this server",
            {200: Reply("the Prometheus text exposition format", media_type="text/plain")},
        )
    )
    def metrics() -> Response:
        """The Prometheus text exposition of this server's metrics."""
        return Response(exposition(metrics_dir), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
