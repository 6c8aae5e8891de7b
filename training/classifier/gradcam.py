"""Grad-CAM: which regions of an image pushed the classifier toward a class.

`grad_cam` computes it for any of our Keras classifiers with a gradient tape, on the last
convolutional feature map. For a model that ends in global average pooling and one Dense layer
(the ResNets), the class score is linear in that feature map, so Grad-CAM equals the class
activation map ReLU(Σ_k w_kc A_k); `with_class_activations` adds exactly that as a second
output, which exports to ONNX and lets the service draw heat-maps without TensorFlow.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from lesion_core.class_activation import CAM_OUTPUT, normalise
from training.classifier.tta import tta_member, with_tta_maps


def last_feature_layer(model: keras.Model) -> layers.Layer:
    """Return the last layer whose output is a spatial (N, H, W, C) feature map."""
    for layer in reversed(model.layers):
        output = getattr(layer, "output", None)
        if output is not None and len(output.shape) == 4:
            return layer
    raise ValueError(f"{model.name} has no spatial feature map")


def grad_cam(
    model: keras.Model, images: np.ndarray, class_index: int | np.ndarray | None = None
) -> np.ndarray:
    """Return (N, h, w) Grad-CAM maps in [0, 1] on the last feature map, for `class_index`
    (one for all images, one per image, or None for each image's predicted class).

    The layers after the feature map must form a chain ending in a Dense layer, as in every
    architecture of `training.classifier.model`; the class score is that layer's pre-softmax output.
    """
    layer = last_feature_layer(model)
    head = model.layers[-1]
    if not isinstance(head, layers.Dense):
        raise ValueError(f"{model.name} does not end in a Dense layer")
    tail = model.layers[model.layers.index(layer) + 1 : -1]
    features = keras.Model(model.inputs, layer.output)(
        tf.convert_to_tensor(images, tf.float32), training=False
    )
    with tf.GradientTape() as tape:
        tape.watch(features)
        x = features
        for step in tail:
            x = step(x, training=False)
        scores = tf.matmul(x, head.kernel) + head.bias
        chosen = (
            tf.argmax(scores, axis=1)
            if class_index is None
            else tf.broadcast_to(tf.constant(class_index, tf.int64), [len(images)])
        )
        target = tf.gather(scores, chosen, axis=1, batch_dims=1)
    gradients = tape.gradient(target, features)
    weights = tf.reduce_mean(gradients, axis=[1, 2], keepdims=True)
    return normalise(tf.nn.relu(tf.reduce_sum(weights * features, axis=-1)).numpy())


def supports_class_activations(model: keras.Model) -> bool:
    """Return whether the model ends feature map → global average pooling → (dropout) → Dense,
    or averages such a model over test-time views (`training.classifier.tta.with_tta`)."""
    member = tta_member(model)
    if member is not None:
        return supports_class_activations(member)
    tail = [layer for layer in model.layers[-3:] if not isinstance(layer, layers.Dropout)]
    return (
        len(tail) >= 2
        and isinstance(tail[-2], layers.GlobalAveragePooling2D)
        and isinstance(tail[-1], layers.Dense)
    )


def with_class_activations(model: keras.Model) -> keras.Model:
    """Return a model with two outputs: the probabilities, and (N, h, w, classes) class
    activation maps Σ_k w_kc A_k (before ReLU), equal to Grad-CAM up to a positive scale.

    For a test-time-augmented model the maps are those of each view, turned back to the
    image's frame and averaged (Grad-CAM of each view, not of the averaged probability).
    """
    if not supports_class_activations(model):
        raise ValueError(f"{model.name} does not end in global average pooling and a Dense layer")
    member = tta_member(model)
    if member is not None:
        return with_tta_maps(with_class_activations(member))
    head = model.layers[-1]
    features = last_feature_layer(model).output
    classes = head.kernel.shape[-1]
    # A 1×1 convolution with the Dense kernel applies the class weights at every position.
    projection = layers.Conv2D(classes, 1, use_bias=False, name=CAM_OUTPUT)
    cams = projection(features)
    projection.set_weights([keras.ops.convert_to_numpy(head.kernel)[None, None]])
    return keras.Model(model.inputs, [model.outputs[0], cams], name=model.name)
