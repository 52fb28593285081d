"""The operations the simulated venue runs: the ``test`` adapter's ops of venue-api.md §8
with their exact status sequences, plus ``v/ops/auth/whoami``, ``v/ops/secret/set``
(which ``PUT /secrets/{name}`` runs as a job, §3.7) and the per-user data and UCAN
grants of ``lattice_ops``.

An operation acts on a job only through a ``Runtime`` (the simulator), so it never
touches a clock or a socket: the delay op schedules a timer instead of sleeping.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import attrs

from covia_proto.testing.agent_ops import AGENT_OPERATIONS, MINIMAL_TEMPLATE
from covia_proto.testing.jobs import MISSING, Job
from covia_proto.testing.lattice_ops import Read, UcanIssue, Write
from covia_proto.testing.timers import Timer
from covia_proto.testing.workspace_ops import Append, Copy, Delete, Inspect, List, Slice

__all__ = [
    "ADAPTERS",
    "CATALOG",
    "TEST_ORCHESTRATION",
    "Completed",
    "Failed",
    "Operation",
    "Outcome",
    "Runtime",
    "adapter_of",
]


class Runtime(Protocol):
    rng: random.Random

    def now(self) -> float: ...

    def set_status(
        self, job: Job, status: str, *, output: Any = MISSING, error: str | None = None
    ) -> bool: ...

    def schedule(self, when: float, callback: Callable[[], None]) -> Timer: ...

    def resolve_operation(self, ref: str) -> tuple[str, Mapping[str, Any]] | None: ...

    def store_secret(self, caller: str, name: str, value: str) -> None: ...


@attrs.frozen
class Completed:
    output: Any


@attrs.frozen
class Failed:
    error: str


Outcome = Completed | Failed


class Operation:
    """An adapter operation. The default is a one-shot op: ``PENDING → STARTED →
    COMPLETE | FAILED`` inside the invoke call, computed by ``compute``."""

    one_shot: bool = True

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        raise NotImplementedError

    def start(self, rt: Runtime, job: Job) -> None:
        if job.status != "STARTED":
            rt.set_status(job, "STARTED")
        outcome = self.compute(rt, job.run_input, job.caller)
        if isinstance(outcome, Completed):
            rt.set_status(job, "COMPLETE", output=outcome.output)
        else:
            rt.set_status(job, "FAILED", error=outcome.error)

    def message(self, rt: Runtime, job: Job, message: dict[str, Any]) -> None:
        """Ops that are not multi-turn silently drop messages (§3.5.3)."""

    def cancel(self, rt: Runtime, job: Job) -> None:
        """The cancel hook; the venue has already marked the job CANCELLED."""


class Echo(Operation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        return Completed(value)


class RandomBytes(Operation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        length = value.get("length") if isinstance(value, dict) else None
        if length is None:
            return Failed("Random operation requires a 'length' parameter")
        if isinstance(length, str):
            try:
                length = int(length.strip())
            except ValueError:
                return Failed("Length must be a valid number")
        if isinstance(length, bool) or not isinstance(length, int | float):
            return Failed("Length must be a valid number")
        if not 1 <= length <= 1024:
            return Failed("Length must be between 1 and 1024")
        return Completed({"bytes": rt.rng.randbytes(int(length)).hex()})


class Error(Operation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        message = value.get("message") if isinstance(value, dict) else None
        if message is None:
            return Failed("Error operation requires a 'message' parameter")
        return Failed(message if isinstance(message, str) else json.dumps(message))


class WhoAmI(Operation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        # Anonymous callers are "authenticated" as <venueDID>:public (§2A).
        return Completed({"caller": caller, "authenticated": True, "internal": False})


class SecretSet(Operation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        name = value.get("name") if isinstance(value, dict) else None
        secret = value.get("value") if isinstance(value, dict) else None
        if not isinstance(name, str):
            return Failed("name is required")
        if not isinstance(secret, str):
            return Failed("value is required")
        rt.store_secret(caller, name, secret)
        return Completed({"name": name, "stored": True})


class SecretExtract(Operation):
    """A 0.1 venue grants no caller the capability to read a secret back (§3.7)."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        return Failed("No capability to extract secrets")


class FakeLlm(Operation):
    """Answers with the last user message, as the venue's fake LLM does (§8)."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        messages = value.get("messages") if isinstance(value, dict) else None
        content: Any = "(no user message)"
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
        return Completed({"role": "assistant", "content": content})


class Never(Operation):
    """Described as staying PENDING; the server actually reports STARTED (§8)."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        if job.status != "STARTED":
            rt.set_status(job, "STARTED")


class Delay(Operation):
    """Stays PENDING, then after ``delay`` ms runs ``operation`` inline (no sub-job).
    Its timers are kept in ``job.scratch["timers"]``, which the job table cancels when
    the job ends some other way."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        value = job.run_input
        delay = value.get("delay") if isinstance(value, dict) else None
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            rt.set_status(job, "FAILED", error="Delay operation requires a 'delay' parameter")
            return
        timer = rt.schedule(rt.now() + delay / 1000, lambda: self._finish(rt, job))
        job.scratch.setdefault("timers", []).append(timer)

    def _finish(self, rt: Runtime, job: Job) -> None:
        value = job.run_input
        ref = value.get("operation")
        if not isinstance(ref, str):
            rt.set_status(job, "FAILED", error="Delay operation requires an 'operation' parameter")
            return
        resolved = rt.resolve_operation(ref)
        op = adapter_of(resolved[1]) if resolved else None
        if op is None:
            rt.set_status(job, "FAILED", error=f"Cannot resolve operation: {ref}")
            return
        if not op.one_shot:
            rt.set_status(job, "FAILED", error=f"Operation cannot run inside delay: {ref}")
            return
        outcome = op.compute(rt, value.get("input"), job.caller)
        if isinstance(outcome, Completed):
            rt.set_status(job, "COMPLETE", output=outcome.output)
        else:
            rt.set_status(job, "FAILED", error=outcome.error)

    def cancel(self, rt: Runtime, job: Job) -> None:
        for timer in job.scratch.pop("timers", []):
            timer.cancel()


class Pause(Operation):
    """Pauses; any message completes it with the original input; resume pauses again."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "PAUSED")

    def message(self, rt: Runtime, job: Job, message: dict[str, Any]) -> None:
        rt.set_status(job, "COMPLETE", output=job.run_input)


CHAT_PROMPT: Final = "Send more messages or 'done' to finish"


class Chat(Operation):
    """Multi-turn echo: INPUT_REQUIRED after each turn until the content ``"done"``."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "INPUT_REQUIRED")

    def message(self, rt: Runtime, job: Job, message: dict[str, Any]) -> None:
        body = message["message"]
        content = body.get("content", body) if isinstance(body, dict) else body
        if content == "done":
            rt.set_status(job, "COMPLETE", output={"status": "conversation complete"})
        else:
            rt.set_status(job, "INPUT_REQUIRED", output={"echo": content, "message": CHAT_PROMPT})


class Orchestrate(Operation):
    """A minimal orchestrator for the seeded "Test orchestration" asset (§8): runs the
    one-shot ``steps`` in order, then builds ``result``. In the templates a list that
    starts with ``"input"`` or a step number is a reference into the job input or that
    step's output (``[0, "bytes"]``); anything else is literal. The real orchestrator
    is richer; this covers what a multi-step test needs."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        raise NotImplementedError  # needs its own metadata: see start()

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "STARTED")
        resolved = rt.resolve_operation(job.op)
        operation = resolved[1].get("operation", {}) if resolved else {}
        steps = operation.get("steps", [])
        outputs: list[Any] = []
        for number, step in enumerate(steps if isinstance(steps, list) else []):
            ref = step.get("op") if isinstance(step, dict) else None
            found = rt.resolve_operation(ref) if isinstance(ref, str) else None
            op = adapter_of(found[1]) if found else None
            if op is None or not op.one_shot:
                rt.set_status(job, "FAILED", error=f"Step {number}: cannot run {ref}")
                return
            outcome = op.compute(
                rt, _fill(step.get("input"), job.run_input, outputs), caller=job.caller
            )
            if isinstance(outcome, Failed):
                rt.set_status(job, "FAILED", error=f"Step {number} failed: {outcome.error}")
                return
            outputs.append(outcome.output)
        result = _fill(operation.get("result"), job.run_input, outputs)
        rt.set_status(job, "COMPLETE", output=result)


def _fill(template: Any, value: Any, outputs: list[Any]) -> Any:
    """``template`` with its references replaced (see ``Orchestrate``)."""
    if isinstance(template, dict):
        return {key: _fill(item, value, outputs) for key, item in template.items()}
    if not isinstance(template, list) or not template:
        return template
    head, *path = template
    if head == "input":
        node = value
    elif isinstance(head, int) and not isinstance(head, bool) and 0 <= head < len(outputs):
        node = outputs[head]
    else:
        return [_fill(item, value, outputs) for item in template]
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


# Operations that need the whole job (its proofs), not only its input: the same
# start / message / cancel interface, without the one-shot compute.
_LATTICE_OPS: Final[Mapping[str, Any]] = {
    "read": Read(),
    "write": Write(),
    "list": List(),
    "slice": Slice(),
    "append": Append(),
    "copy": Copy(),
    "delete": Delete(),
    "inspect": Inspect(),
}

ADAPTERS: Final[Mapping[str, Mapping[str, Operation]]] = {
    "test": {
        "echo": Echo(),
        "random": RandomBytes(),
        "error": Error(),
        "never": Never(),
        "delay": Delay(),
        "pause": Pause(),
        "chat": Chat(),
        "llm": FakeLlm(),
    },
    "auth": {"whoami": WhoAmI()},
    "covia": _LATTICE_OPS,
    "agent": AGENT_OPERATIONS,
    "ucan": {"issue": UcanIssue()},  # type: ignore[dict-item]
    "secret": {"set": SecretSet(), "extract": SecretExtract()},
    "orchestrator": {"": Orchestrate()},
}


def adapter_of(metadata: Mapping[str, Any]) -> Operation | None:
    """The operation that runs ``metadata``, or None if its adapter is not installed."""
    operation = metadata.get("operation")
    adapter = operation.get("adapter") if isinstance(operation, dict) else None
    if not isinstance(adapter, str):
        return None
    name, _, op = adapter.partition(":")
    return ADAPTERS.get(name, {}).get(op)


def _op(name: str, description: str, adapter: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "operation": {"adapter": adapter, **extra}}


_ANY: Final = {"type": "any"}

# Catalog path → operation metadata, in install order.
CATALOG: Final[tuple[tuple[str, dict[str, Any]], ...]] = (
    (
        "v/test/ops/echo",
        _op("Echo Operation", "Returns the input unchanged", "test:echo", input=_ANY, output=_ANY),
    ),
    (
        "v/test/ops/random",
        _op(
            "Random Bytes",
            "Generates 'length' random bytes as lowercase hex",
            "test:random",
            input={
                "type": "object",
                "properties": {"length": {"type": "integer"}},
                "required": ["length"],
            },
            output={"type": "object", "properties": {"bytes": {"type": "string"}}},
        ),
    ),
    (
        "v/test/ops/error",
        _op(
            "Error Operation",
            "Always fails with the given message",
            "test:error",
            input={"type": "object", "properties": {"message": {"type": "string"}}},
        ),
    ),
    (
        "v/test/ops/never",
        _op(
            "Never Operation",
            "An operation that never completes (stays PENDING)",
            "test:never",
            input=_ANY,
        ),
    ),
    (
        "v/test/ops/delay",
        _op(
            "Delay Operation",
            "Waits 'delay' ms, then runs 'operation' on 'input'",
            "test:delay",
            input={
                "type": "object",
                "properties": {
                    "delay": {"type": "integer"},
                    "operation": {"type": "string"},
                    "input": _ANY,
                },
            },
        ),
    ),
    (
        "v/test/ops/pause",
        _op(
            "Pause Operation",
            "Pauses; any message completes it with the original input",
            "test:pause",
            input={"type": "object"},
        ),
    ),
    (
        "v/test/ops/chat",
        _op("Chat Operation", "Multi-turn echo until 'done'", "test:chat", input=_ANY),
    ),
    (
        "v/test/ops/llm",
        _op(
            "Test LLM",
            "A fake LLM that answers with the last user message",
            "test:llm",
            input={"type": "object", "properties": {"messages": {"type": "array"}}},
        ),
    ),
    (
        "v/ops/auth/whoami",
        _op(
            "Who Am I",
            "Reports the caller's identity",
            "auth:whoami",
            input=_ANY,
            output={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/read",
        _op(
            "Read",
            "Reads a value of the caller's namespace, or of another's with a UCAN grant",
            "covia:read",
            input={"type": "object", "properties": {"path": {"type": "string"}}},
        ),
    ),
    (
        "v/ops/covia/write",
        _op(
            "Write",
            "Writes a value in the caller's namespace",
            "covia:write",
            input={"type": "object", "properties": {"path": {"type": "string"}, "value": _ANY}},
        ),
    ),
    (
        "v/ops/covia/list",
        _op(
            "List Lattice Structure",
            "Describes what a lattice path holds: its type, keys and size",
            "covia:list",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/slice",
        _op(
            "Slice Lattice Collection",
            "Returns a window of a vector's elements or a map's entries",
            "covia:slice",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/append",
        _op(
            "Append to Lattice Vector",
            "Appends a value to the vector at a writable path",
            "covia:append",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/copy",
        _op(
            "Copy Lattice Data",
            "Copies the value at one path to a writable path",
            "covia:copy",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/delete",
        _op(
            "Delete Lattice Data",
            "Removes a writable path",
            "covia:delete",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/covia/inspect",
        _op(
            "Inspect Lattice Data",
            "Renders paths as compact JSON5 for people",
            "covia:inspect",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/create",
        _op(
            "Create Agent",
            "Create Agent (the caller's agents, g/<agentId>)",
            "agent:create",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/info",
        _op(
            "Agent Info",
            "Agent Info (the caller's agents, g/<agentId>)",
            "agent:info",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/list",
        _op(
            "List Agents",
            "List Agents (the caller's agents, g/<agentId>)",
            "agent:list",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/update",
        _op(
            "Update Agent",
            "Update Agent (the caller's agents, g/<agentId>)",
            "agent:update",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/suspend",
        _op(
            "Suspend Agent",
            "Suspend Agent (the caller's agents, g/<agentId>)",
            "agent:suspend",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/resume",
        _op(
            "Resume Agent",
            "Resume Agent (the caller's agents, g/<agentId>)",
            "agent:resume",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/delete",
        _op(
            "Delete Agent",
            "Delete Agent (the caller's agents, g/<agentId>)",
            "agent:delete",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/chat",
        _op(
            "Chat with Agent",
            "Chat with Agent (the caller's agents, g/<agentId>)",
            "agent:chat",
            input={"type": "object"},
        ),
    ),
    (
        "v/ops/agent/message",
        _op(
            "Message Agent",
            "Message Agent (the caller's agents, g/<agentId>)",
            "agent:message",
            input={"type": "object"},
        ),
    ),
    ("v/agents/templates/minimal", MINIMAL_TEMPLATE),
    (
        "v/ops/ucan/issue",
        _op(
            "Issue UCAN Token",
            "Creates a venue-signed UCAN granting aud the capabilities att until exp",
            "ucan:issue",
            input={"type": "object", "required": ["aud", "att", "exp"]},
        ),
    ),
    (
        "v/ops/secret/set",
        _op(
            "Set Secret",
            "Stores a secret for the caller",
            "secret:set",
            secretFields=["value"],
            input={
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
            },
        ),
    ),
    (
        "v/ops/secret/extract",
        _op(
            "Extract Secret",
            "Reads a secret back (refused: no caller holds the capability on a 0.1 venue)",
            "secret:extract",
            input={"type": "object", "properties": {"name": {"type": "string"}}},
        ),
    ),
)

# Installed in the asset store only: callable by id, not listed by /operations (§8).
TEST_ORCHESTRATION: Final[dict[str, Any]] = {
    "name": "Test orchestration",
    "description": "random -> echo -> echo, as the venue's orch.json example",
    "operation": {
        "adapter": "orchestrator",
        "input": {"type": "object", "properties": {"length": {"type": "integer"}}},
        "steps": [
            {"op": "v/test/ops/random", "input": {"length": ["input", "length"]}},
            {"op": "v/test/ops/echo", "input": {"bytes": [0, "bytes"]}},
            {"op": "v/test/ops/echo", "input": [1]},
        ],
        "result": {
            "final-output": [2],
            "bytes-output": [1, "bytes"],
            "original-input": ["input"],
            "original-length": ["input", "length"],
        },
    },
}
