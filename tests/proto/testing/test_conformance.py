"""Every endpoint, driven through the core, answers the same from the in-memory venue
and from the same venue served on loopback (issue: "a conformance module that drives
every endpoint through the core against both forms and asserts the same results").

Values that differ by nature between two venues (job ids, times, the base URL) are
normalised; everything else — models, statuses, outputs, error types, status codes
and messages — must be equal.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from covia_proto.converter import unstructure
from covia_proto.endpoints import (
    Call,
    Endpoint,
    assets,
    discovery,
    jobs,
    newer,
    operations,
    secrets,
    status,
)
from covia_proto.errors import CoviaError, GridError
from covia_proto.flows.assets import download_content, upload_content
from covia_proto.flows.context import VenueContext
from covia_proto.flows.drive import drive, iterate
from covia_proto.flows.effects import Effect
from covia_proto.flows.events import wait_for_job
from covia_proto.flows.send import send
from covia_proto.testing.memory import MemoryDriver
from covia_proto.testing.pytest_plugin import FakeClock
from covia_proto.testing.server import serve_venue
from covia_proto.testing.simulator import VenueSimulator
from covia_requests import RequestsDriver

CONTENT = b"sepal_length,species\n5.1,setosa\n"
SHA = hashlib.sha256(CONTENT).hexdigest()
HEX = re.compile(r"\b(?:0x)?[0-9a-f]{32}\b")  # job ids (16 bytes)
URL = re.compile(r"https?://[^/\"' ]+")


def normalise(value: Any, job_ids: dict[str, str]) -> Any:
    """``value`` with what two venues cannot share made comparable."""
    if isinstance(value, dict):
        return {
            k: normalise(v, job_ids)
            for k, v in value.items()
            if k not in ("created", "updated", "ts", "prev")
        }
    if isinstance(value, list | tuple):
        return [normalise(v, job_ids) for v in value]
    if isinstance(value, str):
        value = URL.sub("URL", value)
        return HEX.sub(
            lambda m: job_ids.setdefault(m.group().removeprefix("0x"), f"job{len(job_ids)}"), value
        )
    return value


def observe(perform: Callable[[Effect], Any], context: VenueContext) -> Iterator[tuple[str, Any]]:
    """Run every endpoint once, in an order that builds on itself, yielding what each gave."""
    endpoint = context.endpoint

    def call(name: str, made: Call[Any]) -> tuple[str, Any]:
        try:
            result = drive(send(context, made), perform)
        except CoviaError as exc:
            code = exc.status_code if isinstance(exc, GridError) else None
            return name, ("error", type(exc).__name__, code, exc.message)
        if isinstance(result, tuple):
            return name, [unstructure(r) for r in result]
        return name, unstructure(result) if hasattr(result, "__attrs_attrs__") else result

    yield call("status", status.get_status(endpoint))
    yield call("operations", operations.list_operations(endpoint))
    yield call("operation", operations.get_operation(endpoint, "v/test/ops/echo"))
    yield call("no operation", operations.get_operation(endpoint, "v/test/ops/nope"))
    yield call("asset list", assets.list_assets(endpoint, offset=0, limit=3))
    yield call("largest page", assets.list_assets(endpoint, limit=1000, offset=0))
    metadata = {"name": "Iris", "content": {"sha256": SHA, "contentType": "text/csv"}}
    name, asset_id = call("register", assets.register_asset(endpoint, metadata))
    yield name, asset_id
    yield call("asset", assets.get_asset(endpoint, asset_id))
    yield call("missing asset", assets.get_asset(endpoint, "ab" * 32))
    yield "upload", drive(upload_content(context, asset_id, CONTENT), perform)
    yield "download", b"".join(iterate(download_content(context, asset_id), perform))
    yield call("echo", jobs.invoke(endpoint, "v/test/ops/echo", {"x": 1}))
    yield call("error", jobs.invoke(endpoint, "v/test/ops/error", {"message": "boom"}))
    yield call("unknown op", jobs.invoke(endpoint, "test:echo", {}))
    name, never = call("never", jobs.invoke(endpoint, "v/test/ops/never", None))
    yield name, never
    never_id = never["job"]["id"]
    yield call("pause", jobs.pause_job(endpoint, never_id))
    yield call("resume paused never", jobs.resume_job(endpoint, never_id))
    yield call("cancel", jobs.cancel_job(endpoint, never_id))
    yield call("cancel again", jobs.cancel_job(endpoint, never_id))
    name, chat = call("chat", jobs.invoke(endpoint, "v/test/ops/chat", None))
    yield name, chat
    chat_id = chat["job"]["id"]
    yield call("message", jobs.send_message(endpoint, chat_id, {"content": "hi"}))
    yield call("chat job", jobs.get_job(endpoint, chat_id))
    yield call("done", jobs.send_message(endpoint, chat_id, {"content": "done"}))
    yield "waited", unstructure(drive(wait_for_job(context, chat_id, timeout=10), perform))
    yield call("message to finished", jobs.send_message(endpoint, chat_id, "late"))
    yield call("delete finished", jobs.delete_job(endpoint, chat_id))
    yield call("jobs", jobs.list_jobs(endpoint))
    yield call("secrets before", secrets.list_secrets(endpoint))
    yield call("secret", secrets.put_secret(endpoint, "api-key", "s3cret"))
    yield call("secrets", secrets.list_secrets(endpoint))
    yield call("delete secret", secrets.delete_secret(endpoint, "api-key"))
    yield call("delete missing secret", secrets.delete_secret(endpoint, "api-key"))
    yield call("did", discovery.get_did_document(endpoint))
    yield call("asset did", discovery.get_asset_did_document(endpoint, asset_id))
    yield call("user did", discovery.get_user_did_document(endpoint, "nobody"))
    yield call("mcp", discovery.get_mcp_discovery(endpoint))
    yield call("agent card", discovery.get_agent_card(endpoint))
    yield call("run", newer.run(endpoint, "v/test/ops/echo", {"r": 1}))
    yield call("values", newer.get_value(endpoint, "read", "v/info"))
    yield call("adapters", newer.get_adapter_operations(endpoint, "test"))


def in_memory(profile: str) -> list[tuple[str, Any]]:
    clock = FakeClock()
    simulator = VenueSimulator(clock=clock, profile=profile, seed=7)  # type: ignore[arg-type]
    context = VenueContext(Endpoint("http://venue.test"))
    return list(observe(MemoryDriver(simulator, clock).perform, context))


def over_loopback(profile: str) -> list[tuple[str, Any]]:
    with serve_venue(profile=profile, seed=7) as venue:
        driver = RequestsDriver()
        try:
            return list(observe(driver.perform, VenueContext(Endpoint(venue.url))))
        finally:
            driver.close()


@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_both_forms_of_the_venue_answer_every_endpoint_alike(profile: str):
    memory, loopback = in_memory(profile), over_loopback(profile)
    assert [name for name, _ in memory] == [name for name, _ in loopback]
    for (name, mine), (_, theirs) in zip(memory, loopback, strict=True):
        assert normalise(mine, {}) == normalise(theirs, {}), name


def test_the_profiles_differ_where_the_contract_says():
    old, new = dict(in_memory("0.1")), dict(in_memory("latest"))
    assert old["run"][:3] == ("error", "NotFoundError", 404)
    assert new["run"] == {"r": 1}
    assert old["did"]["id"] == new["did"]["id"]  # the same seed, the same identity
    assert new["values"] != old["values"]  # /values exists on newer venues only
