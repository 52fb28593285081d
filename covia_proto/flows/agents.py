"""Agents of a venue as flows, for ``venue.agents`` and ``venue.agent(id)``: the
``v/ops/agent/*`` operations of the real venue 0.1, and ``GET /agents`` where a newer
venue serves it (venue-api.md §3.12; a 404 ``Endpoint … not found`` is remembered in
``VenueFeatures.agents`` and the operation used from then on).

What the real venue 0.1 does (observed):

* An agent belongs to its caller (it lives at ``g/<agentId>`` in the caller's lattice)
  and is named by the caller: ``create {agentId, config}`` → ``{agentId, created,
  updated, status: "SLEEPING"}``. ``config`` is a map or a reference to one — a
  template such as ``v/agents/templates/minimal``, a workspace path, an asset. Creating
  a name that exists changes nothing (``created: false``).
* Its language model is the config's ``llmOperation`` (the templates name
  ``v/ops/langchain/openai``, which needs a key); ``v/test/ops/llm`` is a scripted one
  that answers the last message. ``update {agentId, config}`` deep-merges into the
  config.
* ``chat {agentId, message, sessionId?}`` waits for the agent's reply: ``{response,
  agentId, sessionId}``; the first chat mints the session, later ones name it; an
  unknown session fails (``Unknown sessionId: …``). A suspended agent's chat fails
  (``Transition cancelled``).
* ``list {includeTerminated?}`` → ``{agents: [{agentId, status, tasks}]}``; ``info``
  adds ``config`` and ``timelineLength`` (``Agent not found: <id>``); ``delete`` marks
  it ``TERMINATED`` (``remove: true`` drops the record) and a second delete fails
  (``Agent not found or terminated: <id>``).
* ``resume`` of an agent that is not suspended fails (``Agent is not suspended
  (status: SLEEPING)``); ``autoWake: false`` resumes it without running pending work.
* ``fork {sourceId, agentId, config?, includeTimeline?, overwrite?}`` → ``{agentId,
  created: true, forkedFrom, status: "SLEEPING"}``: the source's config (``config``
  merged on top) and state, fresh tasks and inbox, its timeline only with
  ``includeTimeline``. A suspended source forks too. ``Source agent not found: <id>``;
  ``Target agent already exists: <id>`` unless the target is ``TERMINATED`` and
  ``overwrite`` is true.

Work given to an agent (``request``, ``trigger``, ``cancel-task``, ``context``) is in
``covia_proto.flows.agent_tasks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from covia_proto.converter import structure, wire
from covia_proto.endpoints import newer
from covia_proto.endpoints.responses import is_missing_route
from covia_proto.errors import CoviaUsageError, GridError, VenueProtocolError
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.run import run
from covia_proto.flows.send import send

__all__ = [
    "AgentChange",
    "AgentFork",
    "AgentInfo",
    "ChatReply",
    "ChatSession",
    "chat",
    "create",
    "delete",
    "fork",
    "info",
    "list_agents",
    "message",
    "resume",
    "suspend",
    "update",
]

AGENT_OPS: Final = "v/ops/agent/"


def _extra() -> Any:
    return attrs.field(factory=dict, kw_only=True, repr=False, eq=True)


@attrs.frozen
class AgentInfo:
    """An agent as ``list`` (id, status, open tasks) or ``info`` (also its config and
    how long its timeline is) describes it. ``status``: SLEEPING, RUNNING, SUSPENDED,
    TERMINATED."""

    agent_id: str = wire(default="")
    status: str | None = wire()
    tasks: int | None = wire()
    timeline_length: int | None = wire()
    config: Mapping[str, Any] | None = wire()
    error: str | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AgentChange:
    """What ``create``, ``update``, ``suspend``, ``resume`` and ``delete`` answer: the
    agent's status after it, and for ``create`` whether a record was written."""

    agent_id: str = wire(default="")
    status: str | None = wire()
    created: bool | None = wire()
    updated: bool | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class AgentFork:
    """What ``fork`` answers: the new agent, the one it was forked from, its status."""

    agent_id: str = wire(default="")
    forked_from: str | None = wire()
    status: str | None = wire()
    created: bool | None = wire()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen
class ChatReply:
    """An agent's answer to a chat (or the receipt of a message): ``response`` is
    whatever its turn produced; ``session_id`` continues the conversation."""

    agent_id: str = wire(default="")
    session_id: str | None = wire()
    response: Any = wire()
    delivered: bool | None = wire()
    extra: Mapping[str, Any] = _extra()


def _agent_id(agent_id: Any) -> str:
    if not isinstance(agent_id, str) or not agent_id:
        raise CoviaUsageError(f"an agent id must be a non-empty string, not {agent_id!r:.80}")
    return agent_id


def _object(operation: str, output: Any) -> dict[str, Any]:
    if not isinstance(output, dict):
        raise VenueProtocolError(f"{operation} answered {output!r:.200}, not an object")
    return output


def _call(
    context: VenueContext, name: str, body: dict[str, Any], cls: type[Any], timeout: float | None
) -> Flow[Any]:
    operation = AGENT_OPS + name
    output = yield from run(context, operation, body, timeout=timeout)
    return structure(_object(operation, output), cls)


def list_agents(
    context: VenueContext, *, include_terminated: bool = False, timeout: float | None = None
) -> Flow[list[AgentInfo]]:
    """The caller's agents (``TERMINATED`` ones too with ``include_terminated``)."""
    if context.features.agents is not False and not include_terminated:
        try:
            listed = yield from send(context, newer.list_agents(context.endpoint))
        except GridError as exc:
            if not is_missing_route(exc):
                raise
            context.features.agents = False
        else:
            context.features.agents = True
            return _agent_list("GET /agents", listed)
    body = {"includeTerminated": True} if include_terminated else {}
    output = yield from run(context, AGENT_OPS + "list", body, timeout=timeout)
    return _agent_list(AGENT_OPS + "list", output)


def _agent_list(source: str, output: Any) -> list[AgentInfo]:
    items = output.get("agents") if isinstance(output, dict) else output
    if not isinstance(items, list):
        raise VenueProtocolError(f"{source} answered {output!r:.200}, not a list of agents")
    return [structure(_object(source, item), AgentInfo) for item in items]


def info(context: VenueContext, agent_id: str, *, timeout: float | None = None) -> Flow[AgentInfo]:
    """One agent, with its config (``NotFound``-like failures are the job's: ``Agent not
    found: <id>``)."""
    result: AgentInfo = yield from _call(
        context, "info", {"agentId": _agent_id(agent_id)}, AgentInfo, timeout
    )
    return result


def create(
    context: VenueContext,
    agent_id: str,
    config: str | Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> Flow[AgentChange]:
    """Make the agent ``agent_id`` from ``config``: a map, or a reference such as the
    template ``v/agents/templates/minimal``. ``overrides`` are merged into the config
    afterwards (``{"llmOperation": "v/test/ops/llm"}`` to give a template a scripted
    model), as the venue's ``update`` does."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    if config is not None:
        if not isinstance(config, str | Mapping):
            raise CoviaUsageError("an agent config is a map or a reference string")
        body["config"] = config if isinstance(config, str) else dict(config)
    made: AgentChange = yield from _call(context, "create", body, AgentChange, timeout)
    if overrides:
        yield from update(context, agent_id, config=overrides, timeout=timeout)
    return made


def update(
    context: VenueContext,
    agent_id: str,
    *,
    config: Mapping[str, Any] | None = None,
    state: Any = None,
    timeout: float | None = None,
) -> Flow[AgentChange]:
    """Merge ``config`` into the agent's config (deeply) and ``state`` into its state."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    if config is not None:
        body["config"] = dict(config)
    if state is not None:
        body["state"] = state
    result: AgentChange = yield from _call(context, "update", body, AgentChange, timeout)
    return result


def suspend(
    context: VenueContext, agent_id: str, *, timeout: float | None = None
) -> Flow[AgentChange]:
    """Stop the agent from running (``SUSPENDED``) until ``resume``."""
    body = {"agentId": _agent_id(agent_id)}
    result: AgentChange = yield from _call(context, "suspend", body, AgentChange, timeout)
    return result


def resume(
    context: VenueContext,
    agent_id: str,
    *,
    auto_wake: bool | None = None,
    timeout: float | None = None,
) -> Flow[AgentChange]:
    """Let a suspended agent run again (``SLEEPING``); ``auto_wake=False`` keeps it from
    starting on the work that waits for it (the venue's default is to start)."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    if auto_wake is not None:
        body["autoWake"] = _flag("auto_wake", auto_wake)
    result: AgentChange = yield from _call(context, "resume", body, AgentChange, timeout)
    return result


def delete(
    context: VenueContext, agent_id: str, *, remove: bool = False, timeout: float | None = None
) -> Flow[AgentChange]:
    """Mark the agent ``TERMINATED`` (``remove=True``: drop its record too)."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id)}
    if remove:
        body["remove"] = True
    result: AgentChange = yield from _call(context, "delete", body, AgentChange, timeout)
    return result


def fork(
    context: VenueContext,
    source_id: str,
    agent_id: str,
    *,
    config: str | Mapping[str, Any] | None = None,
    include_timeline: bool = False,
    overwrite: bool = False,
    timeout: float | None = None,
) -> Flow[AgentFork]:
    """Make the agent ``agent_id`` a copy of ``source_id`` (config and state; its
    timeline with ``include_timeline``), with ``config`` merged on top. ``overwrite``
    reuses the name of a ``TERMINATED`` agent."""
    body: dict[str, Any] = {"sourceId": _agent_id(source_id), "agentId": _agent_id(agent_id)}
    if config is not None:
        if not isinstance(config, str | Mapping):
            raise CoviaUsageError("an agent config is a map or a reference string")
        body["config"] = config if isinstance(config, str) else dict(config)
    if _flag("include_timeline", include_timeline):
        body["includeTimeline"] = True
    if _flag("overwrite", overwrite):
        body["overwrite"] = True
    result: AgentFork = yield from _call(context, "fork", body, AgentFork, timeout)
    return result


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise CoviaUsageError(f"{name} is True or False, not {value!r:.40}")
    return value


def chat(
    context: VenueContext,
    agent_id: str,
    message: Any,
    *,
    session_id: str | None = None,
    timeout: float | None = None,
) -> Flow[ChatReply]:
    """Send ``message`` and wait for the agent's reply; ``session_id`` (from an earlier
    reply) continues that conversation, without it a new one starts."""
    body: dict[str, Any] = {"agentId": _agent_id(agent_id), "message": message}
    if session_id is not None:
        body["sessionId"] = session_id
    result: ChatReply = yield from _call(context, "chat", body, ChatReply, timeout)
    return result


def message(
    context: VenueContext,
    agent_id: str,
    message: str,
    *,
    session_id: str | None = None,
    timeout: float | None = None,
) -> Flow[ChatReply]:
    """Leave ``message`` in the agent's inbox without waiting for a reply."""
    if not isinstance(message, str):
        raise CoviaUsageError("an agent message is a string (chat sends any JSON)")
    body: dict[str, Any] = {"agentId": _agent_id(agent_id), "message": message}
    if session_id is not None:
        body["sessionId"] = session_id
    result: ChatReply = yield from _call(context, "message", body, ChatReply, timeout)
    return result


@attrs.define
class ChatSession:
    """One conversation with an agent: each ``send`` continues it (the first one mints
    the session at the venue; its id is kept in ``session_id``)."""

    agent_id: str
    session_id: str | None = None

    def send(
        self, context: VenueContext, message: Any, *, timeout: float | None = None
    ) -> Flow[ChatReply]:
        reply = yield from chat(
            context, self.agent_id, message, session_id=self.session_id, timeout=timeout
        )
        if reply.session_id:
            self.session_id = reply.session_id
        return reply
