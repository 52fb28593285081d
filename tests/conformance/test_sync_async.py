"""Cross-driver conformance: the same scenarios through the sync client (requests) and
the async clients must make the same requests and give the same results and
exceptions.

A scenario is written once, as ``async def scenario(venue)`` against the async API.
The sync client runs it through ``SyncFacade``, which makes a ``Venue`` (and the jobs
and assets it returns) look awaitable without any event loop: its coroutines never
suspend, so ``run_sync`` drives them to the end with one ``send``. Each client brings
its own runtime (none, ``asyncio.run``, later ``trio.run``), so the tests themselves
are plain functions.

Each run gets a fresh loopback venue with the same seed, options and faults, and a
recorder around its driver that logs method, URL and body of every ``Send`` and
``OpenStream``. Job ids contain the time they were made, so they are numbered in order
of appearance before logs and results are compared.

To add a driver (trio's ``TrioDriver``, say), add a ``Client`` to ``ASYNC_CLIENTS``:
a name and a function that runs a scenario on a venue URL and returns an ``Outcome``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import attrs
import pytest

from covia import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    Grid,
    GridError,
    JobFailedError,
    JobTimeoutError,
)
from covia.async_api import AsyncGrid
from covia_aiohttp import AiohttpDriver
from covia_proto.flows.context import PollPolicy, RetryPolicy
from covia_proto.flows.effects import Effect, OpenStream, Send
from covia_proto.testing.faults import (
    FaultPlan,
    MalformedJson,
    RateLimited,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    TruncateBody,
)
from covia_proto.testing.server import BackgroundLoop, serve_venue
from covia_requests import RequestsDriver
from tests.async_api.helpers import CHAT, DELAY, ECHO, ERROR, NEVER, PAUSE, delayed_echo
from tests.facade import SyncFacade, run_sync

RETRY = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002, budget=5.0)
POLL = PollPolicy(initial=0.01, factor=1.5, maximum=0.05)
TIMEOUT = 5.0

Scenario = Callable[[Any], Awaitable[Any]]


# -- what is compared -----------------------------------------------------------------------


@attrs.frozen
class Raised:
    """An exception, as far as every driver must agree on it."""

    kind: str
    detail: Any


@attrs.frozen
class Outcome:
    value: Any
    requests: tuple[tuple[str, str, str], ...]


def raised(exc: CoviaError) -> Raised:
    # Transport failures word their cause as their library does; what must agree is
    # the class and whether the request may have been sent.
    if isinstance(exc, CoviaConnectionError):
        return Raised(type(exc).__name__, exc.sent)
    if isinstance(exc, JobTimeoutError):
        status = exc.job_data.status.value if exc.job_data is not None else None
        return Raised(type(exc).__name__, [exc.job_id, status])
    if isinstance(exc, CoviaTimeoutError):
        return Raised(type(exc).__name__, None)
    if isinstance(exc, GridError):
        return Raised(type(exc).__name__, (exc.status_code, exc.message))
    if isinstance(exc, JobFailedError):
        return Raised(type(exc).__name__, (exc.job_data.status.value, exc.job_data.error))
    return Raised(type(exc).__name__, exc.message)


async def attempt(awaitable: Awaitable[Any]) -> Any:
    """The value, or the ``Raised`` of the SDK error, so a scenario can go on."""
    try:
        return await awaitable
    except CoviaError as exc:
        return raised(exc)


_JOB_ID = re.compile(r"(?<![0-9a-f])(?:0x)?[0-9a-f]{32}(?![0-9a-f])")
_HOST = re.compile(r"https?://127\.0\.0\.1:\d+")


def normalise(outcome: Outcome) -> Outcome:
    """Job ids numbered in order of first appearance; the venue's address removed."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        ident = match.group(0).removeprefix("0x")
        return names.setdefault(ident, f"<job{len(names) + 1}>")

    def text(value: str) -> str:
        return _JOB_ID.sub(rename, _HOST.sub("<venue>", value))

    requests = tuple((m, text(u), text(b)) for m, u, b in outcome.requests)
    value = json.loads(text(json.dumps(outcome.value, default=_plain, sort_keys=True)))
    return Outcome(value, requests)


def _plain(value: Any) -> Any:
    if isinstance(value, Raised):
        return {"raised": value.kind, "detail": value.detail}
    return repr(value)


def logged(effects: list[Effect]) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (e.request.method, e.request.url, e.request.body.decode("utf-8", "replace"))
        for e in effects
        if isinstance(e, Send | OpenStream)
    )


# -- the sync client, made awaitable (tests/facade.py) ---------------------------------------


class SyncRecorder:
    def __init__(self, inner: RequestsDriver) -> None:
        self.inner = inner
        self.effects: list[Effect] = []

    def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        return self.inner.perform(effect)

    def close(self) -> None:
        self.inner.close()


def run_requests(url: str, scenario: Scenario) -> Outcome:
    recorder = SyncRecorder(RequestsDriver(timeout=TIMEOUT))
    try:
        with Grid.connect(url, driver=recorder, retry=RETRY, poll=POLL, timeout=TIMEOUT) as venue:
            value = run_sync(attempt(scenario(SyncFacade(venue))))
    finally:
        recorder.close()
    return Outcome(value, logged(recorder.effects))


# -- the async clients -----------------------------------------------------------------------


class AsyncRecorder:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.effects: list[Effect] = []

    async def perform(self, effect: Effect) -> Any:
        self.effects.append(effect)
        return await self.inner.perform(effect)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def run_async(url: str, scenario: Scenario, driver: Any) -> Outcome:
    recorder = AsyncRecorder(driver)
    try:
        async with AsyncGrid.connect(
            url, driver=recorder, retry=RETRY, poll=POLL, timeout=TIMEOUT
        ) as venue:
            value = await attempt(scenario(venue))
    finally:
        await recorder.aclose()
    return Outcome(value, logged(recorder.effects))


def run_aiohttp(url: str, scenario: Scenario) -> Outcome:
    return asyncio.run(run_async(url, scenario, AiohttpDriver(timeout=TIMEOUT)))


@attrs.frozen
class Client:
    name: str
    run: Callable[[str, Scenario], Outcome]


def run_trio(url: str, scenario: Scenario) -> Outcome:
    import trio

    from covia_trio import TrioDriver

    async def main() -> Outcome:
        return await run_async(url, scenario, TrioDriver(timeout=TIMEOUT))

    return trio.run(main)


ASYNC_CLIENTS = [Client("aiohttp", run_aiohttp), Client("trio", run_trio)]


# -- scenarios -------------------------------------------------------------------------------


async def status_and_discovery(venue: Any) -> Any:
    status = await venue.status()
    document = await venue.did_document()
    mcp = await venue.mcp_discovery()
    card = await venue.agent_card()
    return [status.name, status.did, document.id, await venue.get_did(), mcp.mcp_version, card.name]


async def operations(venue: Any) -> Any:
    names = [op.name for op in await venue.list_operations()]
    echo = await venue.get_operation(ECHO)
    by_id = await venue.get_operation(echo.asset)
    missing = await attempt(venue.get_operation("v/test/ops/nope"))
    return [names, echo.name, echo.description, by_id.asset == echo.asset, missing]


async def invoking(venue: Any) -> Any:
    job = await venue.invoke(ECHO, {"prompt": "hello"})
    first = [job.id, job.status.value, await job.result(timeout=10)]
    failed = await venue.invoke(ERROR, {"message": "something broke"})
    return [
        first,
        await attempt(failed.result(timeout=10)),
        await attempt(venue.invoke("v/test/ops/missing", {})),
        await venue.run(ECHO, {"x": 1}, timeout=10),
        await attempt(venue.run(ERROR, {"message": "run broke"})),
    ]


async def job_control(venue: Any) -> Any:
    never = await venue.invoke(NEVER, {})
    await never.cancel()
    paused = await venue.invoke(PAUSE, {"keep": "me"})
    await paused.resume()
    ack = await paused.send_message({"content": "go"})
    await paused.refresh()
    chat = await venue.invoke(CHAT, {})
    await chat.send_message("hello")
    await chat.wait(timeout=10)
    echoed = chat.output
    await chat.send_message({"content": "done"})
    await chat.wait(timeout=10)
    done = await venue.invoke(ECHO, 1)
    late = await attempt(done.send_message("too late"))
    ids = await venue.list_jobs()
    await venue.delete_job(ids[0])
    again = await venue.get_job(ids[0])
    unknown = await attempt(venue.get_job("00" * 16))
    return [
        never.status.value,
        paused.status.value,
        paused.output,
        ack.status,
        echoed,
        chat.output,
        late,
        ids,
        again.id,
        unknown,
    ]


async def assets(venue: Any) -> Any:
    data = b"a,b\n1,2\n" * 1000
    sha = hashlib.sha256(data).hexdigest()
    page = await venue.list_assets(offset=1, limit=3)
    asset = await venue.register(
        {"name": "csv", "content": {"sha256": sha, "contentType": "text/csv"}}
    )
    before = await attempt(venue.get_asset_content(asset.id))
    refused = await attempt(venue.put_asset_content(asset.id, b"not it"))
    stored = await asset.put_content(data)
    whole = await venue.get_asset_content(asset.id)
    chunks = []
    async with contextlib.aclosing(venue.iter_asset_content(asset.id)) as pieces:
        async for piece in pieces:
            chunks.append(piece)
    wrong = await attempt(venue.get_asset_content(asset.id, expected_sha256="0" * 64))
    fetched = await venue.get_asset(asset.id)
    missing = await attempt(venue.get_asset("ab" * 32))
    all_ids = await venue.list_all_assets()
    return [
        list(page.items),
        page.total,
        asset.id,
        before,
        refused,
        stored,
        whole == data,
        b"".join(chunks) == data,
        wrong,
        fetched.metadata,
        missing,
        asset.id in all_ids,
    ]


async def finished_job_stream(venue: Any) -> Any:
    job = await venue.invoke(ECHO, {"s": 1})
    events = []
    async with contextlib.aclosing(job.stream()) as stream:
        async for event in stream:
            events.append([event.event, json.loads(event.data)["status"]])
    return [events, job.status.value]


async def waiting_on_events(venue: Any) -> Any:
    job = await venue.invoke(DELAY, delayed_echo(150, "late"))
    return [job.status.value, await job.result(timeout=10)]


SCENARIOS: dict[str, Scenario] = {
    "status_and_discovery": status_and_discovery,
    "operations": operations,
    "invoking": invoking,
    "job_control": job_control,
    "assets": assets,
    "finished_job_stream": finished_job_stream,
}

PROFILES = [("0.1", False), ("0.1", True), ("latest", False), ("latest", True)]
PROFILE_IDS = [f"{p}{'-sse' if sse else ''}" for p, sse in PROFILES]


def outcome(
    client: Client,
    loop: BackgroundLoop,
    scenario: Scenario,
    faults: Callable[[], FaultPlan] | None = None,
    **options: Any,
) -> Outcome:
    plan = faults() if faults is not None else FaultPlan()
    with serve_venue(loop=loop, faults=plan, **options) as served:
        return normalise(client.run(served.url, scenario))


def reference(loop: BackgroundLoop, scenario: Scenario, **kwargs: Any) -> Outcome:
    return outcome(Client("requests", run_requests), loop, scenario, **kwargs)


@pytest.mark.parametrize("client", ASYNC_CLIENTS, ids=lambda c: c.name)
@pytest.mark.parametrize(("profile", "sse"), PROFILES, ids=PROFILE_IDS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_requests_results_and_errors(
    venue_loop: BackgroundLoop, client: Client, profile: str, sse: bool, name: str
) -> None:
    scenario = SCENARIOS[name]
    expected = reference(venue_loop, scenario, profile=profile, sse=sse)
    assert "raised" not in expected.value, expected.value  # every scenario runs through
    got = outcome(client, venue_loop, scenario, profile=profile, sse=sse)
    assert got.value == expected.value
    assert got.requests == expected.requests


@pytest.mark.parametrize("client", ASYNC_CLIENTS, ids=lambda c: c.name)
@pytest.mark.parametrize("profile", ["0.1", "latest"])
def test_same_requests_when_waiting_on_an_event_stream(
    venue_loop: BackgroundLoop, client: Client, profile: str
) -> None:
    expected = reference(venue_loop, waiting_on_events, profile=profile, sse=True)
    got = outcome(client, venue_loop, waiting_on_events, profile=profile, sse=True)
    assert got == expected
    assert expected.value == ["PENDING", "late"]


def _plan(*rules: tuple[Any, str, str, int | None]) -> Callable[[], FaultPlan]:
    def make() -> FaultPlan:
        plan = FaultPlan()
        for fault, method, path, times in rules:
            plan.add(fault, method=method, path=path, times=times)
        return plan

    return make


async def status_name(venue: Any) -> Any:
    return (await venue.status()).name


async def invoke_echo(venue: Any) -> Any:
    return (await venue.invoke(ECHO, {"x": 1})).output


async def asset_metadata(venue: Any) -> Any:
    ident = (await venue.list_assets()).items[0]
    return (await venue.get_asset(ident)).metadata


FAULTS: dict[str, tuple[Scenario, Callable[[], FaultPlan], str]] = {
    "5xx-read-retried": (status_name, _plan((ServerError(503), "GET", "/status", 2)), "0.1"),
    "5xx-invoke-not-retried": (
        invoke_echo,
        _plan((ServerError(502, json=False), "POST", "/invoke", 1)),
        "0.1",
    ),
    "reset-after-invoke": (invoke_echo, _plan((ResetAfterRequest(), "POST", "/invoke", 1)), "0.1"),
    "reset-before-invoke": (
        invoke_echo,
        _plan((ResetBeforeRequest(), "POST", "/invoke", 1)),
        "0.1",
    ),
    "reset-read-retried": (status_name, _plan((ResetBeforeRequest(), "GET", "/status", 1)), "0.1"),
    "reset-read-every-time": (
        status_name,
        _plan((ResetAfterRequest(), "GET", "/status", None)),
        "0.1",
    ),
    "truncated-read-retried": (
        asset_metadata,
        _plan((TruncateBody(), "GET", r"/assets/[0-9a-f]{64}$", 1)),
        "0.1",
    ),
    "malformed-json": (status_name, _plan((MalformedJson(), "GET", "/status", None)), "0.1"),
    "rate-limited-invoke": (
        invoke_echo,
        _plan((RateLimited("0"), "POST", "/invoke", 2)),
        "latest",
    ),
}


@pytest.mark.parametrize("client", ASYNC_CLIENTS, ids=lambda c: c.name)
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_same_behaviour_under_faults(venue_loop: BackgroundLoop, client: Client, name: str) -> None:
    scenario, faults, profile = FAULTS[name]
    expected = reference(venue_loop, scenario, faults=faults, profile=profile)
    got = outcome(client, venue_loop, scenario, faults=faults, profile=profile)
    assert got == expected


@pytest.mark.parametrize("client", ASYNC_CLIENTS, ids=lambda c: c.name)
def test_same_timeout_on_a_job_that_never_ends(venue_loop: BackgroundLoop, client: Client) -> None:
    # How often a wait polls depends on real time, so only the outcome is compared.
    async def wait_briefly(venue: Any) -> Any:
        job = await venue.invoke(NEVER, {})
        return [await attempt(job.wait(timeout=0.2)), job.status.value]

    expected = reference(venue_loop, wait_briefly)
    got = outcome(client, venue_loop, wait_briefly)
    assert got.value == expected.value
    assert expected.value == [
        {"raised": "JobTimeoutError", "detail": ["<job1>", "STARTED"]},
        "STARTED",
    ]


@pytest.fixture(autouse=True)
def _no_stray_loop() -> Iterator[None]:
    # asyncio.run() leaves no loop behind; the sync client never makes one.
    yield
    with contextlib.suppress(RuntimeError):
        assert not asyncio.get_event_loop_policy().get_event_loop().is_running()
