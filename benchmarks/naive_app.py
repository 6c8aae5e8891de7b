"""The pattern most public apps use, served only so the benchmark can compare against it:
per request, decode with PIL, resize, and call the Keras model's `predict`."""

from __future__ import annotations

import io
import os
from pathlib import Path

import keras
import numpy as np
from flask import Flask, jsonify, request
from PIL import Image

from lesion_core.labels import CLASS_CODES


def create_app() -> Flask:
    """Return the naive app, loading the Keras model beside MODEL_PATH in the worker."""
    model = keras.models.load_model(
        Path(os.environ["MODEL_PATH"]).with_suffix(".keras"), compile=False
    )
    app = Flask(__name__)

    @app.post("/predict")
    def predict():
        image = Image.open(io.BytesIO(request.files["file"].read())).convert("RGB")
        x = np.asarray(image.resize((28, 28)))[None]
        proba = model.predict(x, verbose=0)[0]
        return jsonify({code: float(p) for code, p in zip(CLASS_CODES, proba, strict=True)})

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    return app
