"""``covia_proto.flows.agents``: bodies sent to ``v/ops/agent/*``, models made of the
answers, the ``GET /agents`` preference and its fallback, and chat sessions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.errors import CoviaUsageError, GridError, VenueProtocolError
from covia_proto.flows import agents
from covia_proto.flows.agents import AgentChange, AgentFork, AgentInfo, ChatSession
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import BASE, context, job_response, json_response

MISSING_ROUTE = json_response(404, {"error": "Endpoint GET /api/v1/agents not found"})


def _done(output: Any) -> Any:
    return job_response("COMPLETE", http_status=201, output=output)


def _input(driver: ScriptedDriver, index: int = 0) -> Any:
    return json.loads(driver.requests[index].body)


def test_list_prefers_the_route_then_remembers_its_absence():
    ctx = context()
    listed = {"agents": [{"agentId": "bot", "status": "SLEEPING", "tasks": 0}]}
    driver = ScriptedDriver([MISSING_ROUTE, _done(listed), _done(listed)])
    expected = [AgentInfo(agent_id="bot", status="SLEEPING", tasks=0)]
    assert driver.run(agents.list_agents(ctx)) == expected
    assert ctx.features.agents is False
    assert driver.run(agents.list_agents(ctx)) == expected
    assert [url for _, url in driver.calls] == [
        f"{BASE}/api/v1/agents",
        f"{BASE}/api/v1/invoke",
        f"{BASE}/api/v1/invoke",
    ]
    assert _input(driver, 1) == {"operation": "v/ops/agent/list", "input": {}}


def test_a_venue_with_the_route_answers_from_it():
    ctx = context()
    driver = ScriptedDriver([json_response(200, [{"agentId": "a", "status": "RUNNING"}])])
    assert driver.run(agents.list_agents(ctx))[0].status == "RUNNING"
    assert ctx.features.agents is True


def test_terminated_agents_come_from_the_operation():
    driver = ScriptedDriver([_done({"agents": []})])
    assert driver.run(agents.list_agents(context(), include_terminated=True)) == []
    assert _input(driver)["input"] == {"includeTerminated": True}


def test_other_errors_of_the_route_are_raised():
    driver = ScriptedDriver([json_response(403, {"error": "no"})])
    with pytest.raises(GridError, match="no"):
        driver.run(agents.list_agents(context()))


def test_create_from_a_template_with_overrides():
    made = {"agentId": "bot", "created": True, "updated": False, "status": "SLEEPING"}
    driver = ScriptedDriver([_done(made), _done({"agentId": "bot", "status": "SLEEPING"})])
    flow = agents.create(
        context(), "bot", "v/agents/templates/minimal", overrides={"llmOperation": "v/test/ops/llm"}
    )
    assert driver.run(flow) == AgentChange(
        agent_id="bot", status="SLEEPING", created=True, updated=False
    )
    assert _input(driver, 0)["input"] == {"agentId": "bot", "config": "v/agents/templates/minimal"}
    assert _input(driver, 1) == {
        "operation": "v/ops/agent/update",
        "input": {"agentId": "bot", "config": {"llmOperation": "v/test/ops/llm"}},
    }


@pytest.mark.parametrize(
    ("flow", "operation", "body"),
    [
        (lambda c: agents.info(c, "a"), "info", {"agentId": "a"}),
        (lambda c: agents.suspend(c, "a"), "suspend", {"agentId": "a"}),
        (lambda c: agents.resume(c, "a"), "resume", {"agentId": "a"}),
        (
            lambda c: agents.resume(c, "a", auto_wake=False),
            "resume",
            {"agentId": "a", "autoWake": False},
        ),
        (lambda c: agents.fork(c, "a", "b"), "fork", {"sourceId": "a", "agentId": "b"}),
        (
            lambda c: agents.fork(
                c, "a", "b", config="w/cfg", include_timeline=True, overwrite=True
            ),
            "fork",
            {
                "sourceId": "a",
                "agentId": "b",
                "config": "w/cfg",
                "includeTimeline": True,
                "overwrite": True,
            },
        ),
        (lambda c: agents.delete(c, "a", remove=True), "delete", {"agentId": "a", "remove": True}),
        (lambda c: agents.update(c, "a", state=1), "update", {"agentId": "a", "state": 1}),
        (
            lambda c: agents.message(c, "a", "hi", session_id="01"),
            "message",
            {"agentId": "a", "message": "hi", "sessionId": "01"},
        ),
    ],
)
def test_each_operation_gets_its_body(flow, operation, body):
    driver = ScriptedDriver([_done({"agentId": "a", "status": "SLEEPING"})])
    driver.run(flow(context()))
    assert _input(driver) == {"operation": f"v/ops/agent/{operation}", "input": body}


def test_a_chat_session_keeps_the_session_the_venue_minted():
    session = ChatSession("bot")
    replies = [
        _done({"response": "one", "agentId": "bot", "sessionId": "00aa"}),
        _done({"response": "two", "agentId": "bot", "sessionId": "00aa"}),
    ]
    driver = ScriptedDriver(replies)
    assert driver.run(session.send(context(), "first")).response == "one"
    assert session.session_id == "00aa"
    assert driver.run(session.send(context(), {"structured": True})).response == "two"
    assert _input(driver, 0)["input"] == {"agentId": "bot", "message": "first"}
    assert _input(driver, 1)["input"] == {
        "agentId": "bot",
        "message": {"structured": True},
        "sessionId": "00aa",
    }


@pytest.mark.parametrize(
    "flow",
    [
        lambda c: agents.info(c, ""),
        lambda c: agents.chat(c, None, "hi"),  # type: ignore[arg-type]
        lambda c: agents.create(c, "a", 3),  # type: ignore[arg-type]
        lambda c: agents.message(c, "a", {"not": "text"}),  # type: ignore[arg-type]
        lambda c: agents.fork(c, "a", ""),
        lambda c: agents.fork(c, "a", "b", config=3),  # type: ignore[arg-type]
        lambda c: agents.fork(c, "a", "b", overwrite="yes"),  # type: ignore[arg-type]
        lambda c: agents.resume(c, "a", auto_wake=1),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_send_nothing(flow):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(flow(context()))
    assert driver.requests == []


@pytest.mark.parametrize("output", [None, [1], {"agents": "none"}, {"agents": [3]}])
def test_odd_agent_lists_are_protocol_errors(output):
    with pytest.raises(VenueProtocolError):
        ScriptedDriver([_done(output)]).run(agents.list_agents(context(), include_terminated=True))


def test_a_fork_answers_where_it_came_from():
    answer = {"created": True, "forkedFrom": "a", "agentId": "b", "status": "SLEEPING", "n": 1}
    forked = ScriptedDriver([_done(answer)]).run(agents.fork(context(), "a", "b"))
    assert forked == AgentFork(
        agent_id="b", forked_from="a", status="SLEEPING", created=True, extra={"n": 1}
    )
