"""Production defaults for gunicorn; every value comes from backend.settings (environment)."""

import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from backend.settings import Settings, SettingsError
from lesion_runtime.model_file import (
    ModelLoadError,
    check_model_file,
    check_unique_names,
    model_name,
)

try:
    _settings = Settings.from_env()
except SettingsError as exc:
    sys.exit(f"error: {exc}")

# prometheus-client's multiprocess mode: each worker keeps its metrics in files under this folder
# and /metrics adds them up. Workers inherit the variable, so it is set before they fork; without
# one, a fresh temporary folder (made once the models check out, removed on exit).
_own_metrics_dir = _settings.metrics_dir is None
_metrics_dir = _settings.metrics_dir or Path(tempfile.gettempdir()) / (
    f"lesion-metrics-{uuid.uuid4().hex[:12]}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
# Threads, not one request per worker: a slow client or a queued request holds a thread, never
# the worker, so /livez and /health answer while every model is busy (backend.work_slots keeps
# the model work to WORK_SLOTS at a time). ONNX Runtime sessions are safe to share.
worker_class = "gthread"
threads = _settings.threads
loglevel = _settings.log_level
# Each worker opens the models in its own ONNX Runtime sessions (their thread pools do not
# survive a fork), so the app is not preloaded in the master.
preload_app = False
timeout = 60
graceful_timeout = 20
keepalive = 5
# Bound what one connection may send before the app sees it.
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server):
    """Stop before forking workers when a model file is missing or corrupt, or two classifiers
    share a name: one line, no trace."""
    try:
        check_model_file(_settings.model_path)
        if _settings.segmenter_path is not None:
            check_model_file(_settings.segmenter_path)
        classifiers = (_settings.model_path, *_settings.more_model_paths)
        check_unique_names((model_name(path), path) for path in classifiers)
    except ModelLoadError as exc:
        server.log.error("%s", exc)
        sys.exit(1)
    _metrics_dir.mkdir(mode=0o700, parents=True, exist_ok=not _own_metrics_dir)
    # Counts left by an earlier server in the same folder would be added to this one's.
    for stale in _metrics_dir.glob("*.db"):
        stale.unlink()


def post_fork(server, worker):
    """Have the worker's heap return big freed buffers (decoded uploads) to the system."""
    from backend.heap import return_big_buffers

    return_big_buffers()


def child_exit(server, worker):
    """Drop a dead worker's live gauges (in-progress requests, served models) from /metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(_metrics_dir))


def on_exit(server):
    """Remove the metrics folder this server made for itself."""
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
