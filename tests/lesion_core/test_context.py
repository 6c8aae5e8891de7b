"""The accepted values of age, sex and site, and how HAM10000's and DICOM's names map onto them."""

from __future__ import annotations

import pytest

from lesion_core.context import (
    ACCEPTED_SITES,
    HAM10000_SITES,
    ISIC_SITES,
    Context,
    ContextError,
    parse_context,
)


def test_nothing_and_unknown_mean_not_given():
    assert parse_context() == parse_context("unknown", "Unknown", " unknown ") == Context()
    assert not Context().given and Context(age=3).given


@pytest.mark.parametrize(
    ("site", "coded"),
    [("back", "posterior torso"), ("trunk", "torso"), ("acral", "palms/soles"),
     ("Face", "head/neck"), ("posterior torso", "posterior torso"), ("foot", "lower extremity")],
)  # fmt: skip
def test_ham10000_and_isic_sites_map_onto_one_coding(site, coded):
    assert parse_context(site=site).site == coded


def test_every_ham10000_localization_but_unknown_is_accepted():
    assert set(HAM10000_SITES) | set(ISIC_SITES) <= set(ACCEPTED_SITES)
    assert all(parse_context(site=s).site for s in ACCEPTED_SITES)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"age": "-1"}, "age"), ({"age": "121"}, "age"), ({"age": "nan"}, "age"),
     ({"age": "sixty"}, "age"), ({"sex": "m"}, "sex"), ({"site": "elbow"}, "site")],
)  # fmt: skip
def test_a_value_outside_the_accepted_ones_names_its_field(fields, field):
    with pytest.raises(ContextError) as refused:
        parse_context(**fields)
    assert refused.value.field == field


def test_a_torso_side_also_counts_as_torso():
    assert Context(site="lateral torso").site_parts() == ("torso", "lateral torso")
    assert Context(site="torso").site_parts() == ("torso",)
