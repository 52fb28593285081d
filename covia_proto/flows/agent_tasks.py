"""Work given to an agent, as flows for ``venue.agents`` and ``venue.agent(id)``:
``request`` (a task, answered when the agent completes it), ``trigger`` (a nudge to its
run loop), ``cancel_task`` and ``render_context`` (what its model would be sent).

What the real venue 0.1 does (observed):

* ``request {agentId, input, sessionId?, responseSchema?}`` queues a task whose id *is*
  the request's job id, and the job finishes when the agent completes the task:
  ``{output, status: "COMPLETE", sessionId, id}``. A model that never completes tasks
  (the scripted ``v/test/ops/llm``, or a suspended agent) leaves the job ``STARTED`` —
  and the venue's run loop turning over such a task again and again (thousands of
  timeline entries a minute). ``v/test/ops/taskllm`` completes each task with
  ``{"answer": "done"}``. An unknown ``sessionId`` is echoed, not refused (unlike
  ``chat``); the venue's own ``timeout`` (ms) only bounds a server-side wait, which this
  SDK does not use (``covia_proto.flows.run``): ``timeout=`` here is the caller's wait
  and ``JobTimeoutError`` carries the task's job. ``Agent not found or terminated: <id>``.
* ``trigger {agentId, wait?, force?, sessionId?}`` runs one cycle of the loop →
  ``{agentId, status, result, taskResults: {}}`` (``sessionId`` echoed, never minted);
  ``wait: false`` → ``{agentId, status: "RUNNING"}`` at once; ``force: false`` on an
  idle agent does nothing → ``{agentId, status}``. A suspended agent fails (``Agent is
  suspended: <id>``).
* ``cancel-task {agentId, taskId}`` → ``{cancelled: true, agentId, taskId}`` and drops
  the task from the queue, but leaves the request's job ``STARTED`` (cancel the job too,
  ``venue.cancel_job(task_id)``, to end the wait). ``Task not found: <id>``.
* ``context {agentId, task?}`` → the model's input ``{model?, messages, tools}`` as
  pretty-printed JSON text; ``task`` adds the user message a request would bring.
  ``Agent not found: <id>``.
* ``complete-task`` and ``fail-task`` are for an agent's own turn only (``requires task
  scope``); they are not offered here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from covia_proto.converter import wire
from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows.agents import AGENT_OPS, _agent_id, _call
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run
from covia_proto.hexid import parse_hex

__all__ = [
    "AgentContext",
    "AgentTrigger",
    "RequestResult",
    "TaskCancelled",
    "cancel_task",
    "render_context",
    "request",
    "trigger",
]


def _extra() -> Any:
    return attrs.field(factory=dict, kw_only=True, repr=False, eq=True)


@attrs.frozen
class RequestResult:
    """A finished request: the agent's ``output``, the task's (job's) ``id`` and the
    ``session_id`` it belonged to."""

    id: str | None = wire(hex=True)
    status: str | None = wire()
    output: Any = wire()
    session_id: str | None = wire()
    agent_id: str | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AgentTrigger:
    """What a cycle of the run loop left: the agent's ``status`` (``SLEEPING`` when the
    cycle is over, ``RUNNING`` while it goes on) and the transition's ``result``, for
    diagnosis only (a task's answer is its request's)."""

    agent_id: str = wire(default="")
    status: str | None = wire()
    result: Any = wire()
    task_results: Any = wire()  # per task, a map on 0.1 (the official SDK wants a list)
    session_id: str | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class TaskCancelled:
    """The receipt of ``cancel_task``."""

    cancelled: bool = wire(default=False)
    agent_id: str = wire(default="")
    task_id: str | None = wire(hex=True)
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AgentContext:
    """The input the agent's model would get: ``messages``, ``tools``, ``model`` parsed
    from the venue's ``text`` (kept as it came; the parsed fields stay empty where the
    text is not JSON)."""

    text: str
    messages: tuple[Mapping[str, Any], ...] = ()
    tools: tuple[Any, ...] = ()
    model: str | None = None


def request(
    context: VenueContext,
    agent_id: str,
    input: Any,
    *,
    session_id: str | None = None,
    response_schema: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> Flow[RequestResult]:
    """Give the agent a task (``input``: the instructions and data, e.g. ``{"task":
    "summarise w/notes"}``) and wait until it completes it. ``session_id`` files it in a
    conversation; ``response_schema`` (JSON Schema) asks for structured output."""
    if input is None:
        raise CoviaUsageError("a request needs an input: what the agent is to do")
    body: dict[str, Any] = {"agentId": _agent_id(agent_id), "input": input}
    if session_id is not None:
        body["sessionId"] = _session_id(session_id)
    if response_schema is not None:
        if not isinstance(response_schema, Mapping):
            raise CoviaUsageError("response_schema is a JSON Schema object")
        body["responseSchema"] = dict(response_schema)
    result: RequestResult = yield from _call(context, "request", body, RequestResult, timeout)
    return result


def trigger(
    context: VenueContext,
    agent_id: str,
    *,
    wait: bool = True,
    force: bool = True,
    session_id: str | None = None,
    timeout: float | None = None,
) -> Flow[AgentTrigger]:
    """Run a cycle of the agent's loop now. ``wait=False`` answers at once; ``force=
    False`` runs it only if the agent has work."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    for name, value, key in (("wait", wait, "wait"), ("force", force, "force")):
        if not isinstance(value, bool):
            raise CoviaUsageError(f"{name} is True or False, not {value!r:.40}")
        if not value:
            body[key] = False
    if session_id is not None:
        body["sessionId"] = _session_id(session_id)
    result: AgentTrigger = yield from _call(context, "trigger", body, AgentTrigger, timeout)
    return result


def cancel_task(
    context: VenueContext, agent_id: str, task_id: str, *, timeout: float | None = None
) -> Flow[TaskCancelled]:
    """Take the task ``task_id`` (its request's job id) off the agent's queue."""
    task = parse_hex(task_id.strip()) if isinstance(task_id, str) else None
    if not task:
        raise CoviaUsageError(f"a task id is a hex job id, not {task_id!r:.80}")
    body = {"agentId": _agent_id(agent_id), "taskId": task}
    result: TaskCancelled = yield from _call(context, "cancel-task", body, TaskCancelled, timeout)
    return result


def render_context(
    context: VenueContext, agent_id: str, *, task: Any = None, timeout: float | None = None
) -> Flow[AgentContext]:
    """What the agent's model would be sent on its next turn (with ``task``: on a
    request carrying it), for debugging prompts and tools."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    if task is not None:
        body["task"] = task
    operation = AGENT_OPS + "context"
    output = yield from run(context, operation, body, timeout=timeout)
    if not isinstance(output, str):
        raise VenueProtocolError(f"{operation} answered {output!r:.200}, not text")
    return _parsed_context(output)


def _parsed_context(text: str) -> AgentContext:
    try:
        data = json.loads(text)
    except ValueError:
        return AgentContext(text)
    if not isinstance(data, dict):
        return AgentContext(text)
    messages = data.get("messages")
    tools = data.get("tools")
    model = data.get("model")
    return AgentContext(
        text,
        messages=tuple(m for m in messages if isinstance(m, dict))
        if isinstance(messages, list)
        else (),
        tools=tuple(tools) if isinstance(tools, list) else (),
        model=model if isinstance(model, str) else None,
    )


def _session_id(session_id: Any) -> str:
    if not isinstance(session_id, str) or not session_id:
        raise CoviaUsageError(f"a session id is a non-empty string, not {session_id!r:.80}")
    return session_id
