"""TrioGrid.connect: the shared AsyncVenue on the trio driver, over loopback and TLS,
imported as the README shows it (``from covia_trio import TrioGrid``)."""

from __future__ import annotations

import hashlib
import importlib.util
import pathlib
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trio
import trustme

from covia.async_api import AsyncJob, AsyncVenue
from covia_proto.errors import CoviaConnectionError, CoviaUsageError, JobFailedError
from covia_proto.job_status import JobStatus
from covia_proto.testing.server import BackgroundLoop, RunningVenue, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from covia_trio import TrioDriver, TrioGrid
from covia_trio.connection import MAX_DOWNLOAD_RECEIVE_SIZE
from tests.trio_driver.helpers import FAST_POLL, FAST_RETRY, TlsFront

Served = RunningVenue[VenueSimulator]

ECHO = "v/test/ops/echo"


@pytest.fixture
def served(_covia_loop: BackgroundLoop) -> Iterator[Served]:
    """One loopback venue (newest profile, with job event streams), not one per profile."""
    with serve_venue(loop=_covia_loop, profile="latest", sse=True) as venue:
        yield venue


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


class TrackingFactory:
    """Opens TCP streams and keeps them, to check they were all closed."""

    def __init__(self) -> None:
        self.streams: list[trio.SocketStream] = []

    async def __call__(self, host: str, port: int, scheme: str) -> trio.abc.Stream:
        stream = await trio.open_tcp_stream(host, port)
        self.streams.append(stream)
        return stream

    @property
    def all_closed(self) -> bool:
        return all(stream.socket.fileno() == -1 for stream in self.streams)


@pytest.mark.trio
async def test_the_async_api_over_trio(served: Served) -> None:
    factory = TrackingFactory()
    connection = TrioGrid.connect(
        served.url, stream_factory=factory, retry=FAST_RETRY, poll=FAST_POLL
    )
    async with connection as venue:
        assert isinstance(venue, AsyncVenue)
        assert (await venue.status()).status == "OK"
        assert await venue.run(ECHO, {"hello": "trio"}) == {"hello": "trio"}
        job = await venue.invoke(ECHO, [1, 2])
        assert isinstance(job, AsyncJob)
        events = [event async for event in job.stream()]
        assert events
        assert (await job.wait()).status == JobStatus.COMPLETE
        failing = await venue.invoke("v/test/ops/error", {"message": "no"})
        with pytest.raises(JobFailedError, match="no"):
            await failing.result()
        assert job.id in await venue.list_jobs()
    assert factory.streams
    assert factory.all_closed  # the venue closed the driver it owned


@pytest.mark.trio
async def test_an_unawaited_connection_works_as_the_official_sdks_venue(served: Served) -> None:
    venue = TrioGrid.connect(served.url, retry=FAST_RETRY, poll=FAST_POLL)
    assert venue.url == served.url
    job = await venue.invoke(ECHO, {"lazy": "trio"})
    assert await job.result(timeout=10) == {"lazy": "trio"}
    assert [event async for event in venue.stream_job_events(job.id)]
    assert (await venue.cancel_job(job.id, reason="done anyway")).status == JobStatus.COMPLETE
    await venue.aclose()
    with pytest.raises(CoviaUsageError, match="closed"):
        await venue.status()


@pytest.mark.trio
async def test_content_round_trip(served: Served) -> None:
    data = bytes(range(256)) * 2048
    pieces = [data[i : i + 70000] for i in range(0, len(data), 70000)]

    async def chunks() -> Any:
        for piece in pieces:
            yield piece

    venue = await TrioGrid.connect(served.url, retry=FAST_RETRY, poll=FAST_POLL)
    try:
        metadata = {"name": "blob", "content": {"sha256": hashlib.sha256(data).hexdigest()}}
        asset = await venue.register(metadata)
        await asset.put_content(chunks())
        assert await asset.get_content() == data
        received = [chunk async for chunk in asset.iter_content()]
        assert b"".join(received) == data
        assert max(map(len, received)) <= MAX_DOWNLOAD_RECEIVE_SIZE  # a download: large reads
    finally:
        await venue.aclose()


@pytest.mark.trio
async def test_many_tasks_share_one_venue(served: Served) -> None:
    factory = TrackingFactory()
    async with TrioGrid.connect(
        served.url, stream_factory=factory, max_connections=3, retry=FAST_RETRY
    ) as venue:
        results: list[Any] = []

        async def one(i: int) -> None:
            results.append(await venue.run(ECHO, i))

        async with trio.open_nursery() as nursery:
            for i in range(12):
                nursery.start_soon(one, i)
        assert sorted(results) == list(range(12))
        assert len(factory.streams) <= 3
    assert factory.all_closed


@pytest.mark.trio
async def test_cancelling_a_call_closes_its_connection(served: Served) -> None:
    factory = TrackingFactory()
    async with TrioGrid.connect(served.url, stream_factory=factory, retry=FAST_RETRY) as venue:
        job = await venue.invoke("v/test/ops/never")
        with trio.move_on_after(0.2) as scope:
            await job.wait()
        assert scope.cancelled_caught
        # Whatever was in flight was closed; what is left is idle and reusable.
        assert (await venue.status()).status == "OK"
        await job.cancel()
    assert factory.all_closed


@pytest.mark.trio
async def test_tls_verify_options(
    nursery: trio.Nursery, served: Served, ca: trustme.CA, tmp_path: Any
) -> None:
    front = TlsFront(ca, int(served.url.rsplit(":", 1)[1]))
    port = await front.start(nursery)
    url = f"https://localhost:{port}"
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    for options in (
        {"verify": str(bundle)},
        {"verify": front.client_context()},
        {"ssl_context": front.client_context()},
        {"verify": False},
    ):
        async with TrioGrid.connect(url, **options) as venue:
            assert (await venue.status()).status == "OK"
    with pytest.raises(CoviaConnectionError, match="TLS failed"):
        async with TrioGrid.connect(url, retry=FAST_RETRY) as venue:
            await venue.status()


def test_option_errors(tmp_path: Any) -> None:
    driver = TrioDriver()
    with pytest.raises(CoviaUsageError, match="configure your driver"):
        TrioGrid.connect("http://v", driver=driver, max_connections=3)
    with pytest.raises(CoviaUsageError, match="configure your driver"):
        TrioGrid.connect("http://v", driver=driver, ssl_context=ssl.create_default_context())
    with pytest.raises(CoviaUsageError, match="TrioDriver"):
        TrioGrid.connect("http://v", driver=object())  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError, match="not both"):
        TrioGrid.connect("http://v", verify=True, ssl_context=ssl.create_default_context())
    with pytest.raises(CoviaUsageError, match="CA bundle"):
        TrioGrid.connect("http://v", verify=str(tmp_path / "missing.pem"))
    with pytest.raises(CoviaUsageError, match="call_timeout must be a positive number"):
        TrioGrid.connect("http://v", call_timeout=-1.0)
    with pytest.raises(CoviaUsageError, match="verify"):
        TrioGrid.connect("http://v", verify=3)  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError):
        TrioGrid.connect("http://v", max_connections=0)
    with pytest.raises(CoviaUsageError):
        TrioGrid.connect("ftp://v")


@pytest.mark.trio
async def test_a_driver_passed_in_stays_open(served: Served) -> None:
    async with TrioDriver() as driver:
        connection = TrioGrid.connect(served.url, driver=driver)
        assert "AsyncVenueConnection" in repr(connection)
        async with connection as venue:
            assert (await venue.status()).status == "OK"
        assert driver.pool.idle_connections == 1  # not closed with the venue
        with pytest.raises(CoviaUsageError, match="used already"):
            await connection
    assert driver.pool.open_connections == 0


def test_the_trio_example_runs(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "trio_api.py"
    spec = importlib.util.spec_from_file_location("example_trio_api", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(served.url)
    out = capsys.readouterr().out
    for expected in (
        "Covia Test Venue",
        "{'prompt': 'hello'}",
        "[{'x': 1}, {'x': 2}, {'x': 3}]",
        "Event: job-update",
        "Still STARTED",
    ):
        assert expected in out


@pytest.mark.trio
async def test_limits_reach_the_flows_and_the_trio_driver(served: Served) -> None:
    from covia import Limits, VenueProtocolError

    limits = Limits(max_body_size=10, max_header_size=2048)
    async with TrioGrid.connect(served.url, limits=limits) as venue:
        assert venue._session.context.limits is limits
        driver = venue._session.driver
        assert isinstance(driver, TrioDriver)
        assert driver.pool.max_head_size == 2048
        with pytest.raises(VenueProtocolError, match=r"max_body_size \(10 bytes\)"):
            await venue.status()
    with pytest.raises(CoviaUsageError, match="limits"):
        TrioGrid.connect(served.url, limits=10)  # type: ignore[arg-type]
    with pytest.raises(CoviaUsageError, match="max_header_size"):
        TrioDriver(max_header_size=0)
