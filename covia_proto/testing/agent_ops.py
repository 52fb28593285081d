"""The simulated venue's agents: ``v/ops/agent/create|info|list|update|suspend|resume|
delete|fork|chat|message`` and the tasks ``request|trigger|cancel-task|context``,
answering as the real venue 0.1 does (see ``covia_proto.flows.agents`` and
``agent_tasks``), and the template ``v/agents/templates/minimal``.

An agent is a record at ``g/<agentId>`` of its caller's namespace. Its turn is run by
its config's ``llmOperation``; two scripted models are simulated: ``v/test/ops/llm``
replies to a chat with the message, after a ``[Message from: <caller DID>]`` line, and
never completes a task (its request stays ``STARTED``, the task queued, where the real
venue's loop would keep turning it over); ``v/test/ops/taskllm`` completes each task at
once with ``{"answer": "done"}``. Any other model fails, where the real venue would
call out to a provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from covia_proto.testing.job_table import Job
from covia_proto.testing.lattice_ops import LatticeRuntime, _JobOperation

__all__ = ["AGENT_OPERATIONS", "agent_summaries"]

SCRIPTED_LLM: Final = "v/test/ops/llm"
TASK_LLM: Final = "v/test/ops/taskllm"
DEFAULT_TRANSITION: Final = "v/ops/llmagent/chat"
DEFAULT_PROMPT: Final = (
    "You are a helpful AI agent on the Covia platform. Use tools and grid operations "
    "to complete tasks efficiently. Give concise, clear, accurate responses."
)
IDLE: Final = (
    "[No pending tasks, messages, or job results. You may act proactively based on "
    "your role, or report idle.]"
)


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
    return {"agentId": agent_id, "status": record["status"], "tasks": len(record["tasks"])}


class Create(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        agent_id = _agent_id(job)
        agents = _agents(rt, job.caller)
        existing = agents.get(agent_id)
        if isinstance(existing, dict) and existing["status"] != "TERMINATED":
            return {"agentId": agent_id, "created": False, "updated": False, **_status(existing)}
        config = _config_ref(rt, _input(job).get("config", {}))
        if not isinstance(config, Mapping):
            raise ValueError("config must be a map or a reference to one")
        resolved = {"operation": DEFAULT_TRANSITION, **json.loads(json.dumps(config))}
        agents[agent_id] = _record(resolved)
        return {"agentId": agent_id, "created": True, "updated": False, "status": "SLEEPING"}


def _record(config: dict[str, Any], timeline: list[Any] | None = None) -> dict[str, Any]:
    return {
        "status": "SLEEPING",
        "config": config,
        "timeline": timeline or [],
        "sessions": [],
        "tasks": {},  # task (request job) id → its input
    }


def _config_ref(rt: LatticeRuntime, config: Any) -> Any:
    """A config reference (a template, any catalogue entry) read as the venue does."""
    if not isinstance(config, str):
        return config
    resolve = getattr(rt, "resolve_operation", None)
    found = resolve(config) if resolve is not None else None
    if found is None:
        raise ValueError(f"Cannot resolve config reference: {config}")
    return found[1]


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

    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        status = _live(rt, job)["status"]
        if status != "SUSPENDED":
            raise ValueError(f"Agent is not suspended (status: {status})")
        return super().run(rt, job)


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


def _runnable(rt: LatticeRuntime, job: Job) -> tuple[str, dict[str, Any]]:
    agent_id = _agent_id(job)
    record = _agents(rt, job.caller).get(agent_id)
    if not isinstance(record, dict) or record["status"] == "TERMINATED":
        raise ValueError(f"Agent not found or terminated: {agent_id}")
    return agent_id, record


def _model(record: Mapping[str, Any]) -> str:
    model = record["config"].get("llmOperation")
    if model not in (SCRIPTED_LLM, TASK_LLM):
        raise ValueError(f"The simulator runs only {SCRIPTED_LLM} and {TASK_LLM}, not {model}")
    return str(model)


class Request(_JobOperation):
    """A task is the request's job: done at once by the task model, else left queued
    with the job ``STARTED`` (as the real venue leaves it)."""

    def start(self, rt: Any, job: Job) -> None:
        rt.set_status(job, "STARTED")
        try:
            _, record = _runnable(rt, job)
            wanted = _input(job).get("sessionId")
            # A request's session is echoed, never checked (unlike a chat's).
            session = wanted if isinstance(wanted, str) else _session(rt, job, record)
            model = _model(record)
        except ValueError as exc:
            rt.set_status(job, "FAILED", error=str(exc))
            return
        task = _input(job).get("input")
        if record["status"] == "SLEEPING" and model == TASK_LLM:
            record["timeline"].append({"task": job.id, "input": task})
            answer = {"answer": "done"}
            output = {"output": answer, "status": "COMPLETE", "sessionId": session}
            rt.set_status(job, "COMPLETE", output={**output, "id": "0x" + job.id})
            return
        record["tasks"][job.id] = {"input": task, "from": job.caller}


class Trigger(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        agent_id, record = _runnable(rt, job)
        if record["status"] == "SUSPENDED":
            raise ValueError(f"Agent is suspended: {agent_id}")
        value = _input(job)
        echo = {"sessionId": value["sessionId"]} if "sessionId" in value else {}
        if value.get("wait") is False:
            return {"agentId": agent_id, "status": "RUNNING", **echo}
        if value.get("force") is False and not record["tasks"]:
            return {"agentId": agent_id, "status": "SLEEPING", **echo}
        if _model(record) == TASK_LLM:
            result = "No tasks to complete"
        elif record["tasks"]:
            lines = [
                f"- Task {task_id} (from: {task['from']}): {json.dumps(task['input'])}"
                for task_id, task in record["tasks"].items()
            ]
            result = "\n".join(
                [
                    "[Tasks assigned to you]",
                    *lines,
                    "Use complete_task or fail_task to resolve each task.",
                ]
            )
        else:
            result = IDLE
        record["timeline"].append({"trigger": result})
        return {
            "taskResults": {},
            "agentId": agent_id,
            "status": "SLEEPING",
            "result": result,
            **echo,
        }


class CancelTask(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        agent_id, record = _runnable(rt, job)
        task_id = _input(job).get("taskId")
        if not isinstance(task_id, str):
            raise ValueError("taskId is required")
        if record["tasks"].pop(task_id.lower().removeprefix("0x"), None) is None:
            raise ValueError(f"Task not found: {task_id}")
        return {"cancelled": True, "agentId": agent_id, "taskId": task_id}


class Context(_JobOperation):
    """The model's input as pretty JSON: the system prompt, the task's user message,
    no tools (the real venue also renders its harness tools and a longer prompt)."""

    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        record = _live(rt, job)
        config = record["config"]
        messages = [{"role": "system", "content": config.get("systemPrompt", DEFAULT_PROMPT)}]
        task = _input(job).get("task")
        if task is not None:
            content = task if isinstance(task, str) else json.dumps(task)
            messages.append({"role": "user", "content": content})
        rendered: dict[str, Any] = {"messages": messages, "tools": []}
        if isinstance(config.get("model"), str):
            rendered = {"model": config["model"], **rendered}
        return json.dumps(rendered, indent=2)


class Fork(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        source_id, agent_id = value.get("sourceId"), value.get("agentId")
        if not isinstance(source_id, str) or not isinstance(agent_id, str) or not agent_id:
            raise ValueError("sourceId and agentId are required")
        agents = _agents(rt, job.caller)
        source = agents.get(source_id)
        if not isinstance(source, dict) or source["status"] == "TERMINATED":
            raise ValueError(f"Source agent not found: {source_id}")
        target = agents.get(agent_id)
        reusable = isinstance(target, dict) and target["status"] == "TERMINATED"
        if target is not None and not (reusable and value.get("overwrite") is True):
            raise ValueError(f"Target agent already exists: {agent_id}")
        config = json.loads(json.dumps(source["config"]))
        changes = _config_ref(rt, value.get("config"))
        if isinstance(changes, Mapping):
            _merge(config, changes)
        timeline = list(source["timeline"]) if value.get("includeTimeline") is True else []
        agents[agent_id] = _record(config, timeline)
        return {"created": True, "forkedFrom": source_id, "agentId": agent_id, "status": "SLEEPING"}


class _InTaskOnly(_JobOperation):
    """``complete-task`` and ``fail-task`` belong to an agent's own turn; a caller's
    job has no task in scope."""

    name = ""

    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        raise ValueError(
            f"agent:{self.name} requires task scope (agentId + taskId in RequestContext)"
        )


class CompleteTask(_InTaskOnly):
    name = "completeTask"


class FailTask(_InTaskOnly):
    name = "failTask"


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
    "fork": Fork(),
    "request": Request(),
    "trigger": Trigger(),
    "cancelTask": CancelTask(),
    "context": Context(),
    "completeTask": CompleteTask(),
    "failTask": FailTask(),
}
