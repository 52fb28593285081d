"""Job records, ids, transitions and the live set."""

from __future__ import annotations

import random
from typing import Any

import pytest

from covia_proto.testing.job_table import MAX_PREV, MISSING, Job, JobTable


class Env:
    def __init__(self) -> None:
        self.ms = 1_781_000_000_000
        self.changes = 0
        self.table = JobTable(lambda: self.ms, random.Random(7), self._changed)

    def _changed(self) -> None:
        self.changes += 1

    def create(self, **kw: Any) -> Job:
        args: dict[str, Any] = {
            "op": "ab" * 32,
            "name": "Echo",
            "adapter": "test:echo",
            "caller": "did:x",
            "shown_input": {"a": 1},
            "run_input": {"a": 1},
        }
        args.update(kw)
        return self.table.create(**args)


@pytest.fixture
def env() -> Env:
    return Env()


def test_id_layout(env: Env) -> None:
    first, second = env.table.new_id(), env.table.new_id()
    assert len(first) == 32
    assert bytes.fromhex(first[:12]) == env.ms.to_bytes(6, "big")
    assert (first[12:16], second[12:16]) == ("0000", "0001")
    env.ms += 1
    third = env.table.new_id()
    assert third[12:16] == "0000"
    assert first < second < third


def test_ids_never_go_back_with_the_clock(env: Env) -> None:
    first = env.table.new_id()
    env.ms -= 5000
    assert env.table.new_id() > first


def test_ids_are_seeded() -> None:
    one, two = Env(), Env()
    assert one.table.new_id() == two.table.new_id()


def test_new_record(env: Env) -> None:
    job = env.create()
    record = job.record()
    assert record == {
        "id": "0x" + job.id,
        "op": "ab" * 32,
        "name": "Echo",
        "status": "PENDING",
        "created": env.ms,
        "updated": env.ms,
        "input": {"a": 1},
        "caller": "did:x",
    }
    assert env.changes == 1
    assert env.create(name=None).record().get("name", MISSING) is MISSING


def test_transitions_chain_prev_and_freeze_when_terminal(env: Env) -> None:
    job = env.create()
    env.ms += 10
    assert env.table.set_status(job, "STARTED")
    env.ms += 10
    assert env.table.set_status(job, "COMPLETE", output=None)
    record = job.record()
    assert record["output"] is None  # present and null, not absent
    assert record["updated"] == record["created"] + 20
    assert record["prev"]["status"] == "STARTED"
    assert record["prev"]["prev"]["status"] == "PENDING"
    assert "prev" not in record["prev"]["prev"]
    assert not job.live
    assert not env.table.set_status(job, "FAILED", error="late")
    assert job.record() == record


def test_private_jobs_vanish_when_terminal(env: Env) -> None:
    job = env.create(private=True)
    assert env.table.get(job.id) is job
    env.table.set_status(job, "FAILED", error="x")
    assert env.table.get(job.id) is None
    assert job.record()["error"] == "x"


def test_observers_and_drop_live(env: Env) -> None:
    job = env.create()
    seen: list[str] = []
    stop = env.table.observe(job.id, lambda record: seen.append(record["status"]))
    env.table.set_status(job, "STARTED")
    env.table.drop_live(job)
    assert not job.live
    assert env.table.get(job.id) is job
    stop()
    env.table.set_status(job, "COMPLETE")
    assert seen == ["STARTED"]
    stop()  # twice is harmless


def test_iteration_is_oldest_first(env: Env) -> None:
    jobs = [env.create() for _ in range(3)]
    assert list(env.table) == jobs


def test_prev_chain_keeps_the_newest_links(env: Env) -> None:
    job = env.create()
    for turn in range(MAX_PREV + 50):
        env.table.set_status(job, "INPUT_REQUIRED", output=turn)
    depth, node = 0, job.record()
    while "prev" in node:
        depth, node = depth + 1, node["prev"]
    assert depth == MAX_PREV
    assert job.record()["prev"]["output"] == MAX_PREV + 48
    assert node["output"] == 49  # the oldest kept link


def test_ending_a_job_cancels_its_pending_work(env: Env) -> None:
    job = env.create()
    cancelled: list[bool] = []

    class FakeTimer:
        def cancel(self) -> None:
            cancelled.append(True)

    job.scratch["timers"] = [FakeTimer()]
    seen: list[int] = []
    env.table.observe(job.id, lambda record: seen.append(len(cancelled)))
    env.table.set_status(job, "CANCELLED", error="x")
    assert cancelled == [True]
    assert seen == [1]  # cancelled before observers heard of the end
