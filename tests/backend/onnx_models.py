"""A tiny ONNX classifier written with onnx's helper API, for serving tests that need no
TensorFlow: non-square input, with class activation maps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from lesion_core.class_activation import CAM_OUTPUT

OPSET = 17
IR_VERSION = 8  # old enough for any onnxruntime the project pins


def _save(graph: onnx.GraphProto, folder: Path, config: dict) -> Path:
    """Write `graph` as folder/model.onnx beside its config.json; return the model's path."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    onnx.save(model, path)
    (folder / "config.json").write_text(json.dumps(config))
    return path


def colour_classifier(folder: Path, height: int = 120, width: int = 160, name: str = "") -> Path:
    """Write a classifier of uint8 [N, height, width, 3] images whose 7 classes score the mean
    colour of each 30×32 block: `class_activations` [N, height/30, width/32, 7] (4×5 for
    120×160) and their mean's softmax, `probabilities` [N, 7]."""
    rng = np.random.default_rng(7)
    weights = rng.normal(0, 0.05, (3, 7)).astype(np.float32)
    nodes = [
        helper.make_node("Cast", ["images"], ["pixels"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["pixels"], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node(
            "AveragePool", ["nchw"], ["blocks"], kernel_shape=[30, 32], strides=[30, 32]
        ),
        helper.make_node("Transpose", ["blocks"], ["nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("MatMul", ["nhwc", "weights"], [CAM_OUTPUT]),
        helper.make_node("ReduceMean", [CAM_OUTPUT], ["logits"], axes=[1, 2], keepdims=0),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "colour_classifier",
        [helper.make_tensor_value_info("images", TensorProto.UINT8, ["N", height, width, 3])],
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 7]),
            helper.make_tensor_value_info(
                CAM_OUTPUT, TensorProto.FLOAT, ["N", height // 30, width // 32, 7]
            ),
        ],
        [numpy_helper.from_array(weights, "weights")],
    )
    return _save(graph, folder, {"name": name or folder.name})
