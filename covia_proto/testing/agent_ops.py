"""The simulated venue's agents: ``v/ops/agent/create|info|list|update|suspend|resume|
delete|chat|message`` answering as the real venue 0.1 does (see
``covia_proto.flows.agents``), and the template ``v/agents/templates/minimal``.

An agent is a record at ``g/<agentId>`` of its caller's namespace. Its turn is run by
its config's ``llmOperation``: only the scripted ``v/test/ops/llm`` is simulated (the
reply is the message, after a ``[Message from: <caller DID>]`` line, as the real venue
gives it); any other model fails the chat, where the real venue would call out to a
provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from covia_proto.testing.job_table import Job
from covia_proto.testing.lattice_ops import LatticeRuntime, _JobOperation

__all__ = ["AGENT_OPERATIONS", "agent_summaries"]

SCRIPTED_LLM: Final = "v/test/ops/llm"
DEFAULT_TRANSITION: Final = "v/ops/llmagent/chat"


def _input(job: Job) -> Mapping[str, Any]:
    return job.run_input if isinstance(job.run_input, Mapping) else {}


def _agents(rt: LatticeRuntime, caller: str) -> dict[str, Any]:
    space = rt.namespace(caller)
    found = space.get("g")
    if not isinstance(found, dict):
        found = space["g"] = {}
    return found


def _agent_id(job: Job) -> str:
    agent_id = _input(job).get("agentId")
    if not isinstance(agent_id, str) or not agent_id:
        raise ValueError("agentId is required")
    return agent_id


def _live(rt: LatticeRuntime, job: Job) -> dict[str, Any]:
    agent_id = _agent_id(job)
    record = _agents(rt, job.caller).get(agent_id)
    if not isinstance(record, dict):
        raise ValueError(f"Agent not found: {agent_id}")
    return record


def _merge(into: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def agent_summaries(space: Mapping[str, Any], *, every: bool = False) -> list[dict[str, Any]]:
    """``{agentId, status, tasks}`` of the agents in a caller's namespace."""
    agents = space.get("g")
    return [
        _summary(agent_id, record)
        for agent_id, record in (agents.items() if isinstance(agents, dict) else ())
        if every or record["status"] != "TERMINATED"
    ]


def _summary(agent_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
    return {"agentId": agent_id, "status": record["status"], "tasks": 0}


class Create(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        agent_id = _agent_id(job)
        agents = _agents(rt, job.caller)
        existing = agents.get(agent_id)
        if isinstance(existing, dict) and existing["status"] != "TERMINATED":
            return {"agentId": agent_id, "created": False, "updated": False, **_status(existing)}
        config = _input(job).get("config", {})
        if isinstance(config, str):
            # A template or any catalogue entry, as the venue resolves it.
            resolve = getattr(rt, "resolve_operation", None)
            found = resolve(config) if resolve is not None else None
            if found is None:
                raise ValueError(f"Cannot resolve config reference: {config}")
            config = found[1]
        if not isinstance(config, Mapping):
            raise ValueError("config must be a map or a reference to one")
        resolved = {"operation": DEFAULT_TRANSITION, **json.loads(json.dumps(config))}
        agents[agent_id] = {
            "status": "SLEEPING",
            "config": resolved,
            "timeline": [],
            "sessions": [],
        }
        return {"agentId": agent_id, "created": True, "updated": False, "status": "SLEEPING"}


def _status(record: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": record["status"]}


class Info(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _live(rt, job)
        return {
            **_summary(_agent_id(job), record),
            "timelineLength": len(record["timeline"]),
            "config": record["config"],
        }


class ListAgents(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        every = _input(job).get("includeTerminated") is True
        return {"agents": agent_summaries(rt.namespace(job.caller), every=every)}


class Update(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _live(rt, job)
        config = _input(job).get("config")
        if isinstance(config, Mapping):
            _merge(record["config"], config)
        return {"agentId": _agent_id(job), **_status(record)}


class _SetStatus(_JobOperation):
    to = ""

    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _live(rt, job)
        record["status"] = self.to
        return {"agentId": _agent_id(job), **_status(record)}


class Suspend(_SetStatus):
    to = "SUSPENDED"


class Resume(_SetStatus):
    to = "SLEEPING"


class Delete(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        agent_id = _agent_id(job)
        agents = _agents(rt, job.caller)
        record = agents.get(agent_id)
        if not isinstance(record, dict) or record["status"] == "TERMINATED":
            raise ValueError(f"Agent not found or terminated: {agent_id}")
        if _input(job).get("remove") is True:
            del agents[agent_id]
            return {"agentId": agent_id, "status": "TERMINATED", "removed": True}
        record["status"] = "TERMINATED"
        return {"agentId": agent_id, "status": "TERMINATED"}


def _session(rt: LatticeRuntime, job: Job, record: dict[str, Any]) -> str:
    wanted = _input(job).get("sessionId")
    if wanted is None:
        # Session ids are hex: the time, then a counter of sessions at this venue.
        count = sum(len(r["sessions"]) for r in _agents(rt, job.caller).values())
        minted = f"{int(rt.now() * 1000):016x}{count:016x}"
        record["sessions"].append(minted)
        return minted
    if wanted not in record["sessions"]:
        raise ValueError(f"Unknown sessionId: {wanted} — omit sessionId to start a new session")
    return str(wanted)


class Chat(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _agents(rt, job.caller).get(_agent_id(job))
        if not isinstance(record, dict) or record["status"] == "TERMINATED":
            raise ValueError(f"Agent not found or terminated: {_agent_id(job)}")
        if record["status"] == "SUSPENDED":
            raise ValueError("Transition cancelled")
        session = _session(rt, job, record)
        model = record["config"].get("llmOperation")
        if model != SCRIPTED_LLM:
            raise ValueError(f"The simulator runs only {SCRIPTED_LLM} as a model, not {model}")
        message = _input(job).get("message")
        text = message if isinstance(message, str) else repr(message)
        response = f"[Message from: {job.caller}]\n{text}"
        record["timeline"].append({"message": message, "response": response})
        return {"response": response, "agentId": _agent_id(job), "sessionId": session}


class Message(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _live(rt, job)
        session = _session(rt, job, record)
        return {"delivered": True, "agentId": _agent_id(job), "sessionId": session}


AGENT_OPERATIONS: Final[Mapping[str, Any]] = {
    "create": Create(),
    "info": Info(),
    "list": ListAgents(),
    "update": Update(),
    "suspend": Suspend(),
    "resume": Resume(),
    "delete": Delete(),
    "chat": Chat(),
    "message": Message(),
}
