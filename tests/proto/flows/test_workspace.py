"""``covia_proto.flows.workspace``: each flow invokes its ``v/ops/covia/*`` operation with
the body the real venue expects, and turns the job's output into a model or a clear
error (answers shaped as the real venue 0.1 gave them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.errors import CoviaUsageError, JobFailedError, VenueProtocolError
from covia_proto.flows import workspace
from covia_proto.flows.workspace import WorkspaceListing, WorkspaceSlice, WorkspaceValue
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import context, job_response


def _done(output: Any) -> ScriptedDriver:
    return ScriptedDriver([job_response("COMPLETE", http_status=201, output=output)])


def _sent(driver: ScriptedDriver) -> dict[str, Any]:
    (request,) = driver.requests
    assert request.method == "POST"
    assert request.url.endswith("/api/v1/invoke")
    body: dict[str, Any] = json.loads(request.body)
    return body


def test_read_sends_path_and_max_size_and_keeps_what_the_venue_adds():
    answer = {"value": None, "size": 12, "truncated": True, "exists": True, "hash": "ab"}
    driver = _done(answer)
    found = driver.run(workspace.read(context(), "w/notes", max_size=5, ucans=["t.o.k"]))
    assert _sent(driver) == {
        "operation": "v/ops/covia/read",
        "input": {"path": "w/notes", "maxSize": 5},
        "ucans": ["t.o.k"],
    }
    assert found == WorkspaceValue(
        exists=True, value=None, truncated=True, size=12, extra={"hash": "ab"}
    )


def test_a_missing_path_reads_as_not_existing():
    found = _done({"value": None, "exists": False}).run(workspace.read(context(), "w/none"))
    assert (found.exists, found.value, found.truncated) == (False, None, False)


@pytest.mark.parametrize(
    ("flow", "operation", "body", "answer"),
    [
        (
            lambda c: workspace.write(c, "w/a", {"x": 1}),
            "write",
            {"path": "w/a", "value": {"x": 1}},
            "written",
        ),
        (lambda c: workspace.delete(c, "w/a"), "delete", {"path": "w/a"}, "deleted"),
        (
            lambda c: workspace.append(c, "w/log", 2),
            "append",
            {"path": "w/log", "value": 2},
            "appended",
        ),
        (
            lambda c: workspace.copy(c, "w/a", "w/b"),
            "copy",
            {"from": "w/a", "to": "w/b"},
            "copied",
        ),
    ],
)
def test_changes_send_their_body_and_need_the_venue_to_confirm(flow, operation, body, answer):
    driver = _done({answer: True})
    assert driver.run(flow(context())) is None
    assert _sent(driver) == {"operation": f"v/ops/covia/{operation}", "input": body}
    with pytest.raises(VenueProtocolError, match=f"v/ops/covia/{operation} answered"):
        _done({answer: False}).run(flow(context()))


def test_list_with_and_without_a_path():
    listing = {"type": "Map", "keys": ["a", "b"], "count": 2, "exists": True}
    driver = _done(listing)
    found = driver.run(workspace.list_path(context(), "w/notes", offset=0, limit=1))
    assert _sent(driver)["input"] == {"path": "w/notes", "offset": 0, "limit": 1}
    assert found == WorkspaceListing(exists=True, type="Map", keys=("a", "b"), count=2)
    driver = _done({"type": "Nil", "exists": False})
    assert driver.run(workspace.list_path(context())).exists is False
    assert _sent(driver)["input"] == {}


def test_slice_of_a_map_and_of_nothing():
    answer = {"type": "Map", "count": 2, "values": [{"key": "a", "value": 1}], "offset": 1}
    found = _done({**answer, "exists": True}).run(workspace.slice_path(context(), "w/n", offset=1))
    assert found == WorkspaceSlice(
        exists=True, type="Map", values=({"key": "a", "value": 1},), offset=1, count=2
    )
    assert _done({"exists": False}).run(workspace.slice_path(context(), "w/x")).values == ()


def test_inspect_one_path_and_several():
    one = _done({"result": "{a: 1}"})
    assert one.run(workspace.inspect(context(), "w/a")) == {"w/a": "{a: 1}"}
    assert _sent(one)["input"] == {"paths": "w/a"}
    many = _done({"result": {"w/a": "{a: 1}", "w/b": "null /* not found: w/b */"}})
    assert many.run(workspace.inspect(context(), ["w/a", "w/b"]))["w/b"].startswith("null")
    assert _sent(many)["input"] == {"paths": ["w/a", "w/b"]}
    with pytest.raises(VenueProtocolError, match="inspect answered"):
        _done({"result": 3}).run(workspace.inspect(context(), "w/a"))


@pytest.mark.parametrize(
    "flow",
    [
        lambda c: workspace.read(c, ""),
        lambda c: workspace.read(c, "/"),
        lambda c: workspace.read(c, None),  # type: ignore[arg-type]
        lambda c: workspace.read(c, "w/a", max_size=0),
        lambda c: workspace.read(c, "w/a", max_size=True),
        lambda c: workspace.write(c, 3, 1),  # type: ignore[arg-type]
        lambda c: workspace.copy(c, "w/a", ""),
        lambda c: workspace.list_path(c, "w", offset=-1),
        lambda c: workspace.slice_path(c, "w", limit=1.5),  # type: ignore[arg-type]
        lambda c: workspace.inspect(c, []),
        lambda c: workspace.inspect(c, ["w/a", 7]),  # type: ignore[list-item]
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(flow):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(flow(context()))
    assert driver.requests == []


@pytest.mark.parametrize("output", [None, [], "text", {"exists": "yes"}, {"keys": 3}])
def test_a_venue_answering_another_shape_is_a_protocol_error(output):
    with pytest.raises(VenueProtocolError):
        _done(output).run(workspace.list_path(context(), "w"))


def test_a_refusal_is_the_failed_job():
    driver = ScriptedDriver(
        [job_response("FAILED", http_status=201, error="Write permission denied for namespace: v")]
    )
    with pytest.raises(JobFailedError, match="Write permission denied") as info:
        driver.run(workspace.write(context(), "v/x", 1))
    assert info.value.job_data.error == "Write permission denied for namespace: v"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"type": "Map", "keys": ["a"], "count": 2, "exists": True}, (True, 2)),
        ({"type": "Vector", "count": 3, "exists": True}, (True, 3)),
        ({"type": "String", "count": 3, "exists": True}, (False, None)),
        ({"type": "Map", "exists": True}, (False, None)),
        ({"type": "Nil", "exists": False}, (False, None)),
    ],
)
def test_count_is_a_list_of_one_key_read_for_collections_only(answer, expected):
    driver = _done(answer)
    counted = driver.run(workspace.count(context(), "w/x", ucans=["t.o.k"]))
    assert (counted.exists, counted.count, counted.type) == (*expected, answer["type"])
    assert _sent(driver) == {
        "operation": "v/ops/covia/list",
        "input": {"path": "w/x", "limit": 1},
        "ucans": ["t.o.k"],
    }
