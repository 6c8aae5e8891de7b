"""The OpenAPI 3.1 document of the service: the one description of every response shape."""

from __future__ import annotations

from backend.settings import Settings
from training.labels import CLASS_CODES, CLASSES
from training.preprocess import ACCEPTED_FORMATS

_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMAS = {
    "Prediction": {
        "type": "object",
        "required": [
            "label",
            "label_name",
            "malignant",
            "confidence",
            "probabilities",
            "model_version",
        ],
        "properties": {
            "label": {"type": "string", "enum": list(CLASS_CODES)},
            "label_name": {"type": "string", "enum": [c.name for c in CLASSES]},
            "malignant": {"type": "boolean", "description": "whether the top class is malignant"},
            "confidence": {**_PROBABILITY, "description": "probability of the top class"},
            "probabilities": {
                "type": "object",
                "description": "all seven class probabilities; they sum to 1",
                "required": list(CLASS_CODES),
                "properties": {code: _PROBABILITY for code in CLASS_CODES},
                "additionalProperties": False,
            },
            "model_version": {"type": "string"},
        },
    },
    "PredictionList": {
        "type": "object",
        "required": ["results", "model_version"],
        "properties": {
            "results": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Prediction"},
                "description": "one per `file` field, in upload order",
            },
            "model_version": {"type": "string"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "reason": {"type": "string"},
            "model": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
            },
            "classes": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _json(schema: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


def openapi_document(settings: Settings) -> dict:
    """Return the OpenAPI document, with the configured limits filled in."""
    formats = ", ".join(ACCEPTED_FORMATS)
    limit_mb = settings.max_upload_bytes / 1024 / 1024
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skin-lesion classifier",
            "version": "1",
            "description": "Classifies dermatoscopic images into the seven HAM10000 classes. "
            "A research tool, not a diagnosis.",
            "license": {"name": "Apache-2.0 (code); model weights CC BY-NC 4.0 (HAM10000)"},
        },
        "paths": {
            "/predict": {
                "post": {
                    "summary": "Classify one or several images",
                    "description": f"Accepted formats: {formats}. At most {limit_mb:g} MB per "
                    f"request, {settings.max_files} files and {settings.max_image_pixels:,} "
                    "pixels per image.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {
                                            "type": "array",
                                            "items": {"type": "string", "format": "binary"},
                                            "description": "one or more images",
                                        }
                                    },
                                }
                            },
                            "image/*": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "one Prediction for one file, a PredictionList for "
                            "several",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/Prediction"},
                                            {"$ref": "#/components/schemas/PredictionList"},
                                        ]
                                    }
                                }
                            },
                        },
                        "400": _error("missing_file, empty_file, invalid_image or too_many_files"),
                        "413": _error("payload_too_large or image_too_large"),
                        "415": _error("unsupported_media_type or unsupported_image_type"),
                        "503": _error("not_ready: the model is still loading"),
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Readiness: can the service classify now?",
                    "responses": {
                        "200": _json("Health", "ready"),
                        "503": _json("Health", "not ready, with a reason"),
                    },
                }
            },
            "/livez": {
                "get": {
                    "summary": "Liveness: the process answers",
                    "responses": {"200": {"description": "alive"}},
                }
            },
            "/metadata": {
                "get": {
                    "summary": "Model, classes, preprocessing, limits and the model "
                    "card's held-out figures",
                    "responses": {"200": {"description": "service description"}},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
