"""The ensemble as one ONNX graph: its members' graphs side by side, each fed its own input size,
and the rule (lesion_runtime.ensemble_rule) on their outputs, so the service runs it like any model.

Inputs: one uint8 image batch per member, named `images_<width>x<height>`, in member order.
Outputs: `probabilities` (the rule's), `member_probabilities` (N, members, 7) so an answer can
say whether the members agree, and `class_activations` of one member (the heat-map's source).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, compose, helper, numpy_helper

from lesion_core.size import Size
from lesion_runtime.ensemble_rule import Rule
from lesion_runtime.onnx_names import (
    CLASS_ACTIVATIONS,
    ENSEMBLE_METADATA,
    MEMBER_PROBABILITIES,
    PROBABILITIES,
    image_input,
)

_TINY = 1e-30


def input_size(model: onnx.ModelProto) -> Size:
    """Return the size of a served classifier's one image input."""
    (tensor,) = model.graph.input
    return Size.of_array([d.dim_value for d in tensor.type.tensor_type.shape.dim])


def _const(name: str, value: np.ndarray) -> TensorProto:
    return numpy_helper.from_array(np.asarray(value), name)


def _member_input(model: onnx.ModelProto) -> onnx.ValueInfoProto:
    """Return the ensemble's input that feeds this member: `images_<w>x<h>`, uint8."""
    size = input_size(model)
    return helper.make_tensor_value_info(
        image_input(size), TensorProto.UINT8, ["batch", *size.shape, 3]
    )


def ensemble_graph(
    members: list[Path], rule: Rule, explained_by: int, doc: dict
) -> onnx.ModelProto:
    """Return one ONNX model of `members` (served ONNX classifiers) combined by `rule`, whose
    class activation maps come from member `explained_by`; `doc` goes in its metadata."""
    models = [onnx.load(path) for path in members]
    nodes, initializers, inputs, pooled_terms, unsqueezed = [], [], [], [], []
    (activations,) = [o for o in models[explained_by].graph.output if o.name == CLASS_ACTIVATIONS]
    initializers.append(_const("ensemble_tiny", np.float32(_TINY)))
    initializers.append(_const("ensemble_axis1", np.array([1], dtype=np.int64)))
    for i, model in enumerate(models):
        graph = compose.add_prefix(model, f"m{i}_").graph
        outer = _member_input(model)
        if outer.name in (x.name for x in inputs):
            raise ValueError(f"two members take {outer.name}; an ensemble needs one per size")
        inputs.append(outer)
        nodes.append(helper.make_node("Identity", [outer.name], [graph.input[0].name]))
        nodes.extend(graph.node)
        initializers.extend(graph.initializer)
        p = f"m{i}_{PROBABILITIES}"
        weight = np.float32(rule.weights[i] / rule.temperature)
        initializers.append(_const(f"ensemble_w{i}", weight))
        nodes += [
            helper.make_node("Clip", [p, "ensemble_tiny"], [f"ensemble_clip{i}"]),
            helper.make_node("Log", [f"ensemble_clip{i}"], [f"ensemble_log{i}"]),
            helper.make_node("Mul", [f"ensemble_log{i}", f"ensemble_w{i}"], [f"ensemble_term{i}"]),
            helper.make_node("Unsqueeze", [p, "ensemble_axis1"], [f"ensemble_member{i}"]),
        ]
        pooled_terms.append(f"ensemble_term{i}")
        unsqueezed.append(f"ensemble_member{i}")
    offsets = np.asarray(rule.offsets, dtype=np.float32) / np.float32(rule.temperature)
    initializers.append(_const("ensemble_offsets", offsets))
    nodes += [
        helper.make_node("Sum", pooled_terms, ["ensemble_pooled"]),
        helper.make_node("Add", ["ensemble_pooled", "ensemble_offsets"], ["ensemble_logits"]),
        helper.make_node("Softmax", ["ensemble_logits"], [PROBABILITIES], axis=-1),
        helper.make_node("Concat", unsqueezed, [MEMBER_PROBABILITIES], axis=1),
        helper.make_node("Identity", [f"m{explained_by}_{CLASS_ACTIVATIONS}"], [CLASS_ACTIVATIONS]),
    ]
    outputs = [
        helper.make_tensor_value_info(PROBABILITIES, TensorProto.FLOAT, ["batch", 7]),
        helper.make_tensor_value_info(
            MEMBER_PROBABILITIES, TensorProto.FLOAT, ["batch", len(models), 7]
        ),
        activations,
    ]
    graph = helper.make_graph(nodes, "ensemble", inputs, outputs, initializers)
    first = models[0]
    model = helper.make_model(graph, opset_imports=list(first.opset_import))
    model.ir_version = max(m.ir_version for m in models)
    helper.set_model_props(model, {ENSEMBLE_METADATA: json.dumps(doc)})
    onnx.checker.check_model(model)
    return model
