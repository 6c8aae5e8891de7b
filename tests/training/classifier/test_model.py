"""The paper's CNN, layer for layer."""

import pytest

from training.classifier.model import build_model, build_paper_cnn, build_resnet_small

EXPECTED_LAYERS = [
    ("Rescaling", None),
    ("Conv2D", 16),
    ("MaxPooling2D", None),
    ("BatchNormalization", None),
    ("Conv2D", 32),
    ("Conv2D", 64),
    ("MaxPooling2D", None),
    ("BatchNormalization", None),
    ("Conv2D", 128),
    ("Conv2D", 256),
    ("Flatten", None),
    ("Dense", 256),
    ("Dropout", None),
    ("BatchNormalization", None),
    ("Dense", 128),
    ("Dropout", None),
    ("BatchNormalization", None),
    ("Dense", 64),
    ("Dropout", None),
    ("BatchNormalization", None),
    ("Dense", 32),
    ("BatchNormalization", None),
    ("Dense", 7),
]


def test_paper_cnn_has_the_published_layers_in_order():
    model = build_paper_cnn()
    found = [
        (type(layer).__name__, getattr(layer, "filters", getattr(layer, "units", None)))
        for layer in model.layers
    ]
    assert found == EXPECTED_LAYERS


def test_paper_cnn_maps_28x28_rgb_to_seven_softmax_outputs():
    model = build_paper_cnn()
    assert model.input_shape == (None, 28, 28, 3)
    assert model.output_shape == (None, 7)
    assert model.layers[-1].activation.__name__ == "softmax"
    assert model.count_params() == 3_649_831


def test_convolutions_are_3x3_same_relu_and_dropout_is_02():
    model = build_paper_cnn()
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            assert layer.kernel_size == (3, 3) and layer.padding == "same"
            assert layer.activation.__name__ == "relu"
        if type(layer).__name__ == "Dropout":
            assert layer.rate == 0.2


def test_unknown_architecture_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="paper_cnn"):
        build_model("resnet9000", (28, 28, 3))


@pytest.mark.parametrize("architecture", ["resnet_small", "resnet_small_2x"])
def test_resnet_small_maps_uint8_28x28_rgb_to_seven_softmax_outputs(architecture):
    model = build_model(architecture, (28, 28, 3))
    assert model.input_shape == (None, 28, 28, 3)
    assert model.output_shape == (None, 7)
    assert model.layers[-1].activation.__name__ == "softmax"
    assert type(model.layers[1]).__name__ == "Rescaling"


def test_resnet_small_pools_globally_instead_of_a_wide_dense_layer():
    model = build_resnet_small()
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert len(dense) == 1 and dense[0].kernel.shape == (128, 7)
    assert any(type(layer).__name__ == "GlobalAveragePooling2D" for layer in model.layers)
    assert model.count_params() < 400_000


def test_resnet_small_has_residual_additions_in_three_stages():
    model = build_resnet_small()
    adds = [layer for layer in model.layers if type(layer).__name__ == "Add"]
    assert [add.output.shape[1:] for add in adds] == [(28, 28, 32), (14, 14, 64), (7, 7, 128)]
