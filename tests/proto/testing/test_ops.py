"""The test operations against a stub runtime: status sequences and outputs (§8)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from covia_proto.testing import catalog, ops
from covia_proto.testing.job_table import MISSING, Job, JobTable
from covia_proto.testing.timers import Timer, Timers


def _installed() -> dict[str, dict[str, Any]]:
    """Catalog path → metadata of the installed (captured) catalogue."""
    installed = catalog.load()
    texts = {asset.real_id: asset.text for asset in installed.assets}
    return {path: json.loads(texts[ident]) for path, ident in installed.operations}


CATALOG = _installed()


class StubRuntime:
    def __init__(self) -> None:
        self.clock = 100.0
        self.rng = random.Random(1)
        self.timers = Timers()
        self.table = JobTable(lambda: int(self.clock * 1000), self.rng, lambda: None)
        self.catalog = dict(CATALOG)
        self.secrets: dict[tuple[str, str], str] = {}
        self.seen: list[str] = []

    def now(self) -> float:
        return self.clock

    def set_status(
        self, job: Job, status: str, *, output: Any = MISSING, error: str | None = None
    ) -> bool:
        self.seen.append(status)
        return self.table.set_status(job, status, output=output, error=error)

    def schedule(self, when: float, callback: Callable[[], None]) -> Timer:
        return self.timers.schedule(when, callback)

    def resolve_operation(self, ref: str) -> tuple[str, Mapping[str, Any]] | None:
        meta = self.catalog.get(ref)
        return ("00" * 32, meta) if meta is not None else None

    def store_secret(self, caller: str, name: str, value: str) -> None:
        self.secrets[(caller, name)] = value

    def start(self, op: str, value: Any = None) -> Job:
        job = self.table.create(
            op="00" * 32, name=None, adapter=op, caller="did:c", shown_input=value, run_input=value
        )
        self.operation(job).start(self, job)
        return job

    def operation(self, job: Job) -> ops.Operation:
        found = ops.adapter_of({"operation": {"adapter": job.adapter}})
        assert found is not None
        return found

    def message(self, job: Job, body: Any) -> None:
        self.operation(job).message(
            self, job, {"message": body, "ts": 0, "id": "0x00", "source": "did:c"}
        )


@pytest.fixture
def rt() -> StubRuntime:
    return StubRuntime()


def test_the_test_operations_of_the_catalog_are_runnable() -> None:
    runnable = ("echo", "random", "error", "never", "delay", "pause", "chat", "llm")
    for name in runnable:
        assert ops.adapter_of(CATALOG[f"v/test/ops/{name}"]) is not None
    assert ops.adapter_of(CATALOG["v/ops/auth/whoami"]) is not None
    assert ops.adapter_of(CATALOG["v/ops/secret/set"]) is not None
    # Operations of adapters the simulator lacks are listed but not runnable.
    assert ops.adapter_of(CATALOG["v/ops/json/merge"]) is None
    assert ops.adapter_of({"operation": {"adapter": "test:nope"}}) is None
    assert ops.adapter_of({"name": "data"}) is None


def test_echo(rt: StubRuntime) -> None:
    job = rt.start("test:echo", {"x": 1})
    assert rt.seen == ["STARTED", "COMPLETE"]
    assert job.output == {"x": 1}


@pytest.mark.parametrize(
    ("value", "size"), [({"length": 4}, 4), ({"length": " 2 "}, 2), ({"length": 1024}, 1024)]
)
def test_random_lengths(rt: StubRuntime, value: Any, size: int) -> None:
    job = rt.start("test:random", value)
    assert job.status == "COMPLETE"
    assert len(job.output["bytes"]) == 2 * size
    assert job.output["bytes"] == job.output["bytes"].lower()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("not an object", "Random operation requires a 'length' parameter"),
        ({"length": True}, "Length must be a valid number"),
        ({"length": -1}, "Length must be between 1 and 1024"),
    ],
)
def test_random_failures(rt: StubRuntime, value: Any, error: str) -> None:
    job = rt.start("test:random", value)
    assert (job.status, job.error) == ("FAILED", error)


def test_error_with_a_non_string_message(rt: StubRuntime) -> None:
    assert rt.start("test:error", {"message": 42}).error == "42"


def test_a_rerun_of_never_records_started_again(rt: StubRuntime) -> None:
    job = rt.start("test:never")
    rt.operation(job).start(rt, job)  # a resume re-runs it: STARTED twice, as measured
    assert rt.seen == ["STARTED", "STARTED"]
    assert job.status == "STARTED"


def test_delay_sequence_and_cancel(rt: StubRuntime) -> None:
    job = rt.start(
        "test:delay", {"delay": 250, "operation": "v/test/ops/random", "input": {"length": 1}}
    )
    assert job.status == "PENDING"
    assert rt.seen == []
    assert rt.timers.next_wake() == 100.25
    rt.timers.run_due(100.25)
    assert rt.seen == ["COMPLETE"]
    assert len(job.output["bytes"]) == 2
    cancelled = rt.start("test:delay", {"delay": 5, "operation": "v/test/ops/echo"})
    rt.operation(cancelled).cancel(rt, cancelled)
    assert rt.timers.next_wake() is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({}, "Delay operation requires a 'delay' parameter"),
        ({"delay": "5"}, "Delay operation requires a 'delay' parameter"),
        ({"delay": 1}, "Delay operation requires an 'operation' parameter"),
        (
            {"delay": 1, "operation": "v/test/ops/never"},
            "Operation cannot run inside delay: v/test/ops/never",
        ),
    ],
)
def test_delay_failures(rt: StubRuntime, value: Any, error: str) -> None:
    job = rt.start("test:delay", value)
    rt.timers.run_due(1000.0)
    assert (job.status, job.error) == ("FAILED", error)


def test_pause_then_message(rt: StubRuntime) -> None:
    job = rt.start("test:pause", {"p": 1})
    assert rt.seen == ["PENDING", "PAUSED"]  # it re-records its input first
    assert job.status == "PAUSED"
    rt.message(job, {"whatever": True})
    assert (job.status, job.output) == ("COMPLETE", {"p": 1})


def test_chat_turns(rt: StubRuntime) -> None:
    job = rt.start("test:chat")
    assert rt.seen == ["INPUT_REQUIRED"]
    rt.message(job, {"content": 3})
    assert job.output == {"echo": 3, "message": ops.CHAT_PROMPT}
    rt.message(job, {"no": "content"})
    assert job.output["echo"] is None  # the venue echoes the content field only
    rt.message(job, {"content": "done"})
    assert (job.status, job.output) == ("COMPLETE", {"status": "conversation complete"})
    assert rt.seen == ["INPUT_REQUIRED"] * 3 + ["COMPLETE"]


def test_any_live_test_job_takes_messages_as_chat_does(rt: StubRuntime) -> None:
    job = rt.start("test:never")
    rt.message(job, {"content": "hello"})
    assert (job.status, job.output) == (
        "INPUT_REQUIRED",
        {"echo": "hello", "message": ops.CHAT_PROMPT},
    )
    paused = rt.start("test:never", {"keep": 1})
    rt.set_status(paused, "PAUSED")
    rt.message(paused, {"content": "go"})
    assert (paused.status, paused.output) == ("COMPLETE", {"keep": 1})


def test_other_adapters_drop_messages(rt: StubRuntime) -> None:
    job = rt.table.create(
        op="00" * 32, name=None, adapter="auth:whoami", caller="c", shown_input=None, run_input=None
    )
    rt.message(job, {"content": "hello"})
    assert job.status == "PENDING"


def test_whoami_and_secret_set(rt: StubRuntime) -> None:
    assert rt.start("auth:whoami").output == {
        "caller": "did:c",
        "authenticated": True,
        "internal": False,
    }
    job = rt.start("secret:set", {"name": "k", "value": "v"})
    assert job.status == "STARTED"  # it runs off the request, as on the venue
    rt.timers.run_due(rt.clock)
    assert job.output == {"name": "k", "stored": True}
    assert rt.secrets == {("did:c", "k"): "v"}
    for value, error in (({"name": "k"}, "value is required"), (None, "name is required")):
        failing = rt.start("secret:set", value)
        rt.timers.run_due(rt.clock)
        assert (failing.status, failing.error) == ("FAILED", error)


def test_orchestration_templates() -> None:
    outputs = [{"bytes": "ab"}, [1, 2]]
    value = {"n": {"deep": 3}}
    fill = ops._fill
    assert fill({"x": [0, "bytes"], "y": ["input", "n", "deep"]}, value, outputs) == {
        "x": "ab",
        "y": 3,
    }
    assert fill([1], value, outputs) == [1, 2]
    assert fill(["literal", 5], value, outputs) == ["literal", 5]
    assert fill([7], value, outputs) == [7]  # no such step: literal
    assert fill(["input", "missing", "x"], value, outputs) is None
    assert fill([], value, outputs) == []
    assert fill(["const", {"foo": "bar"}], value, outputs) == {"foo": "bar"}


def test_orchestration_refuses_steps_that_are_not_one_shot(rt: StubRuntime) -> None:
    rt.catalog["orch"] = {
        "operation": {"adapter": "orchestrator", "steps": [{"op": "v/test/ops/never"}]}
    }
    job = rt.table.create(
        op="orch", name=None, adapter="orchestrator", caller="c", shown_input=None, run_input=None
    )
    rt.operation(job).start(rt, job)
    assert (job.status, job.error) == ("FAILED", "Step 0: cannot run v/test/ops/never")
