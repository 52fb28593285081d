"""``covia_proto.flows.agent_tasks``: bodies sent to ``v/ops/agent/request|trigger|
cancel-task|context`` and the models made of the answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows import agent_tasks
from covia_proto.flows.agent_tasks import AgentContext, AgentTrigger, RequestResult, TaskCancelled
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import context, job_response


def _done(output: Any) -> Any:
    return job_response("COMPLETE", http_status=201, output=output)


def _input(driver: ScriptedDriver) -> Any:
    return json.loads(driver.requests[0].body)


@pytest.mark.parametrize(
    ("flow", "operation", "body"),
    [
        (
            lambda c: agent_tasks.request(c, "a", {"task": "t"}),
            "request",
            {"agentId": "a", "input": {"task": "t"}},
        ),
        (
            lambda c: agent_tasks.request(
                c, "a", "text", session_id="00aa", response_schema={"type": "object"}
            ),
            "request",
            {
                "agentId": "a",
                "input": "text",
                "sessionId": "00aa",
                "responseSchema": {"type": "object"},
            },
        ),
        (lambda c: agent_tasks.trigger(c, "a"), "trigger", {"agentId": "a"}),
        (
            lambda c: agent_tasks.trigger(c, "a", wait=False, force=False, session_id="01"),
            "trigger",
            {"agentId": "a", "wait": False, "force": False, "sessionId": "01"},
        ),
        (
            lambda c: agent_tasks.cancel_task(c, "a", "0x00FF"),
            "cancel-task",
            {"agentId": "a", "taskId": "00ff"},
        ),
    ],
)
def test_each_operation_gets_its_body(flow, operation, body):
    driver = ScriptedDriver([_done({"agentId": "a", "status": "SLEEPING"})])
    driver.run(flow(context()))
    assert _input(driver) == {"operation": f"v/ops/agent/{operation}", "input": body}


def test_a_request_answers_the_tasks_output_and_ids():
    answer = {"output": {"answer": "done"}, "status": "COMPLETE", "sessionId": "01", "id": "0xAB"}
    result = ScriptedDriver([_done(answer)]).run(agent_tasks.request(context(), "a", {"t": 1}))
    assert result == RequestResult(
        id="ab", status="COMPLETE", output={"answer": "done"}, session_id="01"
    )


@pytest.mark.parametrize("task_results", [{}, [1]])
def test_a_trigger_keeps_task_results_of_any_shape(task_results):
    answer = {"agentId": "a", "status": "SLEEPING", "result": "r", "taskResults": task_results}
    result = ScriptedDriver([_done(answer)]).run(agent_tasks.trigger(context(), "a"))
    assert result == AgentTrigger(
        agent_id="a", status="SLEEPING", result="r", task_results=task_results
    )


def test_a_cancelled_task_is_acknowledged():
    answer = {"cancelled": True, "agentId": "a", "taskId": "00ff"}
    result = ScriptedDriver([_done(answer)]).run(agent_tasks.cancel_task(context(), "a", "00ff"))
    assert result == TaskCancelled(cancelled=True, agent_id="a", task_id="00ff")


def test_the_context_text_is_parsed_where_it_is_json():
    text = json.dumps({"model": "m", "messages": [{"role": "system"}, 3], "tools": [{"n": 1}]})
    driver = ScriptedDriver([_done(text), _done("not json"), _done("[1]")])
    flow = agent_tasks.render_context(context(), "a", task="hi")
    assert driver.run(flow) == AgentContext(
        text, messages=({"role": "system"},), tools=({"n": 1},), model="m"
    )
    assert _input(driver)["input"] == {"agentId": "a", "task": "hi"}
    assert driver.run(agent_tasks.render_context(context(), "a")) == AgentContext("not json")
    assert driver.run(agent_tasks.render_context(context(), "a")) == AgentContext("[1]")


@pytest.mark.parametrize("output", [None, ["a"], "text"])
def test_answers_of_the_wrong_shape_are_protocol_errors(output):
    with pytest.raises(VenueProtocolError):
        ScriptedDriver([_done(output)]).run(agent_tasks.trigger(context(), "a"))


def test_a_context_that_is_not_text_is_a_protocol_error():
    with pytest.raises(VenueProtocolError, match="not text"):
        ScriptedDriver([_done({"messages": []})]).run(agent_tasks.render_context(context(), "a"))


@pytest.mark.parametrize(
    "flow",
    [
        lambda c: agent_tasks.request(c, "a", None),
        lambda c: agent_tasks.request(c, "", {"t": 1}),
        lambda c: agent_tasks.request(c, "a", {"t": 1}, session_id=""),
        lambda c: agent_tasks.request(c, "a", {"t": 1}, response_schema="x"),  # type: ignore[arg-type]
        lambda c: agent_tasks.trigger(c, "a", wait="no"),  # type: ignore[arg-type]
        lambda c: agent_tasks.cancel_task(c, "a", "not hex"),
        lambda c: agent_tasks.cancel_task(c, "a", 7),  # type: ignore[arg-type]
        lambda c: agent_tasks.render_context(c, ""),
    ],
)
def test_bad_arguments_send_nothing(flow):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(flow(context()))
    assert driver.requests == []
