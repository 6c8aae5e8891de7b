"""The OpenAPI 3.1 document of the service: the one description of every response shape."""

from __future__ import annotations

from backend.settings import Settings
from lesion_core.labels import CLASS_CODES, CLASSES
from lesion_core.preprocess import ACCEPTED_FORMATS

_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
_BINARY = {"type": "string", "format": "binary"}

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
    "Localisation": {
        "allOf": [
            {"$ref": "#/components/schemas/Prediction"},
            {
                "type": "object",
                "required": [
                    "lesion",
                    "heatmap_png",
                    "heatmap_class",
                    "heatmap_size",
                    "segmenter_version",
                ],
                "properties": {
                    "lesion": {
                        "type": "object",
                        "required": ["found", "box", "area_fraction", "mask_png"],
                        "properties": {
                            "found": {"type": "boolean"},
                            "box": {
                                "type": ["array", "null"],
                                "items": {"type": "integer"},
                                "minItems": 4,
                                "maxItems": 4,
                                "description": "[x0, y0, x1, y1] in the upload's pixels as "
                                "displayed (after EXIF rotation); x1 and y1 exclusive; null when "
                                "no lesion was found",
                            },
                            "area_fraction": {
                                **_PROBABILITY,
                                "description": "share of the image's pixels in the mask",
                            },
                            "mask_png": {
                                "type": "string",
                                "contentEncoding": "base64",
                                "contentMediaType": "image/png",
                                "description": "greyscale PNG of the upload's size: 255 lesion, "
                                "0 background",
                            },
                        },
                    },
                    "heatmap_png": {
                        "type": ["string", "null"],
                        "contentEncoding": "base64",
                        "contentMediaType": "image/png",
                        "description": "RGBA overlay (jet colours, transparent where the class "
                        "got no support) of Grad-CAM on the classifier's last feature map; "
                        "the upload's size, scaled down to fit 1024 px when larger; null "
                        "when the served model has no activation maps (e.g. the paper CNN)",
                    },
                    "heatmap_class": {"type": ["string", "null"], "enum": [*CLASS_CODES, None]},
                    "heatmap_size": {
                        "type": ["array", "null"],
                        "items": {"type": "integer"},
                        "description": "[width, height] of heatmap_png",
                    },
                    "segmenter_version": {"type": "string"},
                },
            },
        ]
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
            "localisation": {
                "type": ["object", "null"],
                "description": "the lesion segmenter behind /localize; null when off",
                "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
            },
        },
    },
}


def _json(schema: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _upload_body(**fields: dict) -> dict:
    """Return a request body of images: multipart with these form fields (`file` required), or
    one raw image/* body."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"], "properties": fields}
            },
            "image/*": {"schema": _BINARY},
        },
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
                    "requestBody": _upload_body(
                        file={
                            "type": "array",
                            "items": _BINARY,
                            "description": "one or more images",
                        }
                    ),
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
            "/localize": {
                "post": {
                    "summary": "Classify one image, outline its lesion and show what the "
                    "classifier looked at",
                    "description": "The /predict answer for one image plus the lesion's mask "
                    "and box from the segmentation model, and a Grad-CAM heat-map for the "
                    f"predicted class or the class named by `class`. Same formats and limits "
                    f"as /predict ({formats}; {limit_mb:g} MB), one image per request.",
                    "parameters": [
                        {
                            "name": "class",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": list(CLASS_CODES)},
                            "description": "class the heat-map explains (also accepted as a "
                            "form field); default: the predicted class",
                        }
                    ],
                    "requestBody": _upload_body(
                        file=_BINARY, **{"class": {"type": "string", "enum": list(CLASS_CODES)}}
                    ),
                    "responses": {
                        "200": _json("Localisation", "prediction, lesion outline and heat-map"),
                        "400": _error(
                            "missing_file, empty_file, invalid_image, too_many_files or "
                            "unknown_class"
                        ),
                        "413": _error("payload_too_large or image_too_large"),
                        "415": _error("unsupported_media_type or unsupported_image_type"),
                        "503": _error(
                            "not_ready, or localisation_unavailable: no segmenter configured"
                        ),
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
