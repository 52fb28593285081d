"""``covia.compute_asset_id``: the id a venue gives metadata, before registering it."""

from __future__ import annotations

import pytest

import covia
from covia import CoviaUsageError, compute_asset_id
from tests.covia.helpers import memory_venue

# Recorded from the real venue (tests/proto/vectors/asset_ids.json).
EMPTY = "19f292ac6877ab838ffd2c22b7736229ebd4553e9e4b31d2aaba9f07b9d5186d"
N_ONE = "2541fbf2080f91bd9b28227adc0274d8986bea34f00e56ceb3c49aa6e9b5db2e"
N_ONE_POINT_ZERO = "0fd3cb928a7cd92c1081244670632a586fecf1cb08fd544351a7f40763b2eef8"


def test_text_bytes_and_mappings():
    assert compute_asset_id("{}") == EMPTY
    assert compute_asset_id(b'{ "n" : 1 }') == N_ONE
    assert compute_asset_id({"n": 1}) == N_ONE
    assert compute_asset_id('{"n":1.0}') == N_ONE_POINT_ZERO
    assert compute_asset_id({"n": 1.0}) == N_ONE_POINT_ZERO
    assert covia.compute_asset_id is compute_asset_id


@pytest.mark.parametrize("bad", ["{oops", "[1]", '{"n":0.30000000000000004}', ["x"]])
def test_what_the_venue_would_refuse_is_a_usage_error(bad):
    with pytest.raises(CoviaUsageError):
        compute_asset_id(bad)


def test_the_id_is_known_before_registering():
    metadata = {"name": "Before", "description": "computed first", "tags": ["x", 2, 2.5]}
    expected = compute_asset_id(metadata)
    memory = memory_venue()
    assert memory.venue.register(metadata).id == expected
