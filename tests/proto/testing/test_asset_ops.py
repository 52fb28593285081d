"""``covia_proto.testing.asset_ops``: the simulator's pins, where they go beyond what
``tests/covia/test_managers.py`` holds against the real venue."""

from __future__ import annotations

import pytest

from covia import Grid, JobFailedError
from covia_proto.asset_id import asset_id
from covia_proto.testing.memory import MemoryDriver


@pytest.fixture
def venue(covia_simulator, covia_clock):
    with Grid.connect("http://venue.test", driver=MemoryDriver(covia_simulator, covia_clock)) as v:
        yield v


def test_a_pin_is_kept_under_a_as_the_venue_keeps_it(venue):
    venue.workspace.write("w/doc", {"k": 1})
    pinned = venue.pins.pin("/w/doc")
    stored = venue.workspace.read(f"a/0x{pinned.hash}").value
    assert stored[1:] == [None, {"k": 1}]
    assert pinned.hash == asset_id({"k": 1})


def test_every_address_form_of_an_asset_pins_the_same(venue):
    echo = venue.get_operation("v/test/ops/echo").asset
    forms = [
        echo,
        "0x" + echo,
        "/a/" + echo,
        "a/" + echo,
        "/v/test/ops/echo",
        f"{venue.did}/a/{echo}",
    ]
    assert {venue.pins.pin(form).hash for form in forms} == {echo}


def test_mutable_paths_of_a_did_url_are_not_found(venue):
    venue.workspace.write("w/doc", {"k": 1})
    me = venue.whoami().caller
    with pytest.raises(JobFailedError, match=f"Path not found: {me}/w/doc"):
        venue.pins.pin(f"{me}/w/doc")


def test_list_cuts_the_page_at_the_venues_limit_and_ignores_bad_numbers(venue):
    venue.workspace.write("w/doc", {"type": "t"})
    venue.pins.pin("w/doc")
    page = venue.run("v/ops/asset/list", {"limit": 5000, "offset": -3})
    assert (page["limit"], page["offset"], page["total"]) == (1000, 0, 1)
    assert venue.run("v/ops/asset/list", {"limit": "x"})["limit"] == 100


@pytest.mark.parametrize("body", [{}, {"path": 5}])
def test_a_pin_needs_a_path(venue, body):
    with pytest.raises(JobFailedError, match="path is required"):
        venue.run("v/ops/asset/pin", body)


def test_get_needs_an_id_and_finds_no_scalar(venue):
    with pytest.raises(JobFailedError, match="id is required"):
        venue.run("v/ops/asset/get", {})
    venue.workspace.write("w/n", 5)
    assert venue.pins.get("w/n").exists is False
