"""``covia_proto.testing.workspace_ops``: the simulator's lattice operations, where they
go beyond what ``tests/covia/test_managers.py`` holds against the real venue."""

from __future__ import annotations

import pytest

from covia import Grid, JobFailedError
from covia_proto.testing.memory import MemoryDriver
from covia_proto.testing.workspace_ops import json5


@pytest.fixture
def venue(covia_simulator, covia_clock):
    with Grid.connect("http://venue.test", driver=MemoryDriver(covia_simulator, covia_clock)) as v:
        yield v


def test_json5_renders_bare_keys_where_it_can():
    assert (
        json5({"a": [1, "x", None, True], "not key": {}})
        == '{a: [1, "x", null, true], "not key": {}}'
    )


def test_list_describes_each_kind_of_value(venue):
    ws = venue.workspace
    ws.write("w/map", {"b": 1, "a": 2})
    ws.write("w/vec", [1, 2, 3])
    ws.write("w/nil", None)
    ws.write("w/num", 7)
    assert ws.list("w/map", limit=1).keys == ("a",)
    assert (ws.list("w/vec").type, ws.list("w/vec").count, ws.list("w/vec").keys) == (
        "Vector",
        3,
        (),
    )
    # A written null is no value to the real venue: it lists nothing there (observed).
    assert (ws.list("w/nil").type, ws.list("w/nil").exists) == ("Nil", False)
    assert (ws.list("w/num").type, ws.list("w/num").count) == ("Integer", None)
    assert ws.list().keys == ("w",)  # the real venue also lists its job records, "j"
    assert ws.read("w/vec/1").value == 2


def test_temporary_paths_are_accepted_and_forgotten(venue):
    venue.workspace.write("t/x", 1)
    venue.workspace.append("t/log", 1)
    assert venue.workspace.read("t/x").exists is False


def test_the_venue_catalogue_cannot_be_deleted(venue):
    """The real venue 0.1 lets any caller delete ``v/…`` (its whole catalogue with
    ``v/ops``); the simulator refuses, as it refuses writes there."""
    with pytest.raises(JobFailedError, match="Write permission denied for namespace: v"):
        venue.workspace.delete("v/ops")
    assert venue.run("v/test/ops/echo", 1) == 1


def test_copies_do_not_share_the_value(venue):
    venue.workspace.write("w/a", {"list": [1]})
    venue.workspace.copy("w/a", "w/b")
    venue.workspace.append("w/b/list", 2)
    assert venue.workspace.read("w/a/list").value == [1]
    assert venue.workspace.read("w/b/list").value == [1, 2]
