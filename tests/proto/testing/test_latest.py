"""The newer venues' read-only surfaces (values, adapters) over venue data."""

from __future__ import annotations

import pytest

from covia_proto.testing import VenueSimulator
from covia_proto.testing.latest import Refusal, adapter_operations, lattice, value_query
from tests.proto.testing.simhelp import FakeClock, js, make, send

# The installed catalogue (captured from the real venue), path → metadata.
CATALOG = tuple(make()[0].venue.catalog_entries())
TREE = lattice(CATALOG, [("ab" * 32, {"name": "x", "list": [1, 2]})])


def q(**params: str) -> dict[str, list[str]]:
    return {key: [value] for key, value in params.items()}


def test_read() -> None:
    echo = value_query(TREE, "read", q(path="v/test/ops/echo"))
    assert echo["exists"] is True
    assert echo["truncated"] is False
    assert echo["value"]["operation"]["adapter"] == "test:echo"
    assert echo["size"] > 0
    assert value_query(TREE, "read", q(path="/a/" + "ab" * 32 + "/list/1"))["value"] == 2
    missing = value_query(TREE, "read", q(path="w/nothing"))
    assert missing == {"exists": False, "value": None, "truncated": False, "size": 0}
    cut = value_query(TREE, "read", q(path="v/test/ops/echo", maxSize="5"))
    assert cut["truncated"] is True
    assert cut["value"] is None


def test_list_count_inspect() -> None:
    listing = value_query(TREE, "list", q(path="v/info/adapters"))
    assert {"auth", "covia", "secret", "test", "ucan", "json"} <= set(listing["items"])
    assert value_query(TREE, "count", q(path="v/test/ops")) == {"exists": True, "count": 15}
    inspect = value_query(TREE, "inspect", q(path="a/" + "ab" * 32 + "/name"))
    assert inspect["type"] == "string"


def test_refusals() -> None:
    with pytest.raises(Refusal, match="Unsupported value operation: slice"):
        value_query(TREE, "slice", q(path="v"))
    with pytest.raises(Refusal, match="Missing 'path'") as caught:
        value_query(TREE, "read", {})
    assert caught.value.status == 400


def test_adapter_summaries() -> None:
    summary = value_query(TREE, "read", q(path="v/info/adapters/test"))["value"]
    assert summary["name"] == "test"
    assert "v/test/ops/echo" in summary["operations"]


def test_adapter_operations() -> None:
    found = adapter_operations("test", CATALOG)
    assert {"echo", "random", "error", "never", "delay", "pause", "chat", "llm"} <= set(found)
    assert len(found) == 15  # the real venue's test ops, fixtures of its agent tests too
    with pytest.raises(Refusal) as caught:
        adapter_operations("nope", CATALOG)
    assert caught.value.status == 404


@pytest.fixture
def new() -> tuple[VenueSimulator, FakeClock]:
    return make(profile="latest")


def test_latest_values_agents_adapters(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    read = js(send(sim, "GET", "/api/v1/values/read?path=v/info/adapters/test"))
    assert read["exists"] is True
    assert "v/test/ops/echo" in read["value"]["operations"]
    assert js(send(sim, "GET", "/api/v1/values/read?path=w/none"))["exists"] is False
    listing = js(send(sim, "GET", "/api/v1/values/list?path=v/test/ops"))
    assert "echo" in listing["items"]
    assert send(sim, "GET", "/api/v1/values/aggregate?path=v").status == 400
    assert js(send(sim, "GET", "/api/v1/agents")) == []
    assert send(sim, "GET", "/api/v1/agents/x").status == 404
    test_ops = js(send(sim, "GET", "/api/v1/adapters/test/operations"))
    assert test_ops["echo"]["operation"]["adapter"] == "test:echo"
    assert send(sim, "GET", "/api/v1/adapters/zzz/operations").status == 404
