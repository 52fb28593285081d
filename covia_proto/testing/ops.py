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

from covia_proto.testing.agent_ops import AGENT_OPERATIONS
from covia_proto.testing.asset_ops import ASSET_OPERATIONS
from covia_proto.testing.job_table import MISSING, Job
from covia_proto.testing.lattice_ops import Read, UcanIssue, Write
from covia_proto.testing.timers import Timer
from covia_proto.testing.workspace_ops import Append, Copy, Delete, Inspect, List, Slice

__all__ = [
    "ADAPTERS",
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
        rt.set_status(job, "STARTED")  # again on resume: the venue re-runs the op (§3.5.6)
        outcome = self.compute(rt, job.run_input, job.caller)
        if isinstance(outcome, Completed):
            rt.set_status(job, "COMPLETE", output=outcome.output)
        else:
            rt.set_status(job, "FAILED", error=outcome.error)

    def message(self, rt: Runtime, job: Job, message: dict[str, Any]) -> None:
        """Ops that are not multi-turn silently drop messages (§3.5.3)."""

    def cancel(self, rt: Runtime, job: Job) -> None:
        """The cancel hook; the venue has already marked the job CANCELLED."""


CHAT_PROMPT: Final = "Send more messages or 'done' to finish"


class TestOperation(Operation):
    """An op of the ``test`` adapter. That adapter is multi-turn, so a message to any of
    its live jobs is handled alike (``TestAdapter.handleMessage``): a paused job
    completes with its input; content ``"done"`` completes it; any other message leaves
    it waiting for input, echoing the content — even a ``never`` or ``delay`` job."""

    def message(self, rt: Runtime, job: Job, message: dict[str, Any]) -> None:
        if job.status == "PAUSED":
            rt.set_status(job, "COMPLETE", output=job.run_input)
            return
        body = message["message"]
        content = body.get("content") if isinstance(body, dict) else None
        if content == "done":
            rt.set_status(job, "COMPLETE", output={"status": "conversation complete"})
        else:
            rt.set_status(job, "INPUT_REQUIRED", output={"echo": content, "message": CHAT_PROMPT})


class Echo(TestOperation):
    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        return Completed(value)


class RandomBytes(TestOperation):
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


class Error(TestOperation):
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
    """Runs off the request, as on the venue: the invoke answers STARTED and the job
    ends at the next turn of the clock (a timer due at once; measured)."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        name = value.get("name") if isinstance(value, dict) else None
        if not isinstance(name, str):
            return Failed("name is required")
        secret = value.get("value") if isinstance(value, dict) else None
        if not isinstance(secret, str):
            return Failed("value is required")
        rt.store_secret(caller, name, secret)
        return Completed({"name": name, "stored": True})

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "STARTED")
        timer = rt.schedule(rt.now(), lambda: self._finish(rt, job))
        job.scratch.setdefault("timers", []).append(timer)

    def _finish(self, rt: Runtime, job: Job) -> None:
        outcome = self.compute(rt, job.run_input, job.caller)
        if isinstance(outcome, Completed):
            rt.set_status(job, "COMPLETE", output=outcome.output)
        else:
            rt.set_status(job, "FAILED", error=outcome.error)


class SecretExtract(Operation):
    """A 0.1 venue grants no caller the capability to read a secret back (§3.7)."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        return Failed("No capability to extract secrets")


class FakeLlm(TestOperation):
    """Answers with the last user message, as the venue's fake LLM does (§8)."""

    def compute(self, rt: Runtime, value: Any, caller: str) -> Outcome:
        messages = value.get("messages") if isinstance(value, dict) else None
        content: Any = "(no user message)"
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
        return Completed({"role": "assistant", "content": content})


class Never(TestOperation):
    """Described as staying PENDING; the server actually reports STARTED (§8)."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "STARTED")


class Delay(TestOperation):
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
            error = f"java.lang.IllegalArgumentException: Cannot resolve operation: {ref}"
            rt.set_status(job, "FAILED", error=error)
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


class Pause(TestOperation):
    """Pauses; any message completes it with the original input; resume pauses again.
    It first re-records its input (an update that leaves the status as it is), so its
    records hold one state more than the status sequence shows (measured)."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, job.status)
        rt.set_status(job, "PAUSED")


class Chat(TestOperation):
    """Multi-turn echo: INPUT_REQUIRED after each turn until the content ``"done"``."""

    one_shot = False

    def start(self, rt: Runtime, job: Job) -> None:
        rt.set_status(job, "INPUT_REQUIRED")


class Orchestrate(Operation):
    """A minimal orchestrator for the seeded "Test orchestration" asset (§8): runs the
    one-shot ``steps`` in order, then builds ``result``. In the templates a list that
    starts with ``"input"`` or a step number is a reference into the job input or that
    step's output (``[0, "bytes"]``); anything else is literal. The real orchestrator
    is richer; this covers what a multi-step test needs. ``["const", x]`` is ``x``."""

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
                rt.set_status(job, "FAILED", error=f"Failed due to subtask {number} (FAILED)")
                return
            outputs.append(outcome.output)
            rt.set_status(job, "STARTED")  # the venue records each finished step
        result = _fill(operation.get("result"), job.run_input, outputs)
        rt.set_status(job, "COMPLETE", output=result)


def _fill(template: Any, value: Any, outputs: list[Any]) -> Any:
    """``template`` with its references replaced (see ``Orchestrate``)."""
    if isinstance(template, dict):
        return {key: _fill(item, value, outputs) for key, item in template.items()}
    if not isinstance(template, list) or not template:
        return template
    head, *path = template
    if head == "const" and len(template) == 2:
        return template[1]
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
    "asset": ASSET_OPERATIONS,
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
