"""ConnectionPool bookkeeping: the limit, idle reuse and expiry, eviction, closing,
and cancellation, with in-memory streams and trio's mock clock."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from covia_proto.errors import CoviaConnectionError, CoviaUsageError, RequestInfo
from covia_trio.connection import Origin
from covia_trio.pool import ConnectionPool

A: Origin = ("http", "a.test", 80)
B: Origin = ("https", "b.test", 443)
INFO = RequestInfo("GET", "http://a.test/")


class Opener:
    def __init__(self) -> None:
        self.opened: list[trio.abc.Stream] = []
        self.peers: list[trio.abc.Stream] = []
        self.gate: trio.Event | None = None  # when set, opening waits for it
        self.fail = False

    async def __call__(self, origin: Origin, info: RequestInfo) -> trio.abc.Stream:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise CoviaConnectionError("refused", request=info, sent=False)
        client, server = trio.testing.memory_stream_pair()
        self.opened.append(client)
        self.peers.append(server)
        return client


def make_pool(opener: Opener, *, limit: int = 2, max_idle: float = 15.0) -> ConnectionPool:
    return ConnectionPool(opener, max_connections=limit, max_idle=max_idle)


@pytest.mark.trio
async def test_idle_connection_is_reused_per_origin() -> None:
    opener = Opener()
    pool = make_pool(opener)
    first = await pool.checkout(A, INFO)
    assert pool.open_connections == 1
    assert pool.idle_connections == 0
    await pool.release(first)
    assert pool.idle_connections == 1
    assert first.cycles == 1
    assert await pool.checkout(A, INFO) is first
    assert first.reused
    other = await pool.checkout(B, INFO)
    assert other is not first
    assert pool.connections_opened == 2
    assert "b.test" in repr(other)


@pytest.mark.trio
async def test_fresh_checkout_skips_idle_connections() -> None:
    pool = make_pool(Opener())
    first = await pool.checkout(A, INFO)
    await pool.release(first)
    second = await pool.checkout(A, INFO, fresh=True)
    assert second is not first
    assert pool.idle_connections == 1


@pytest.mark.trio
async def test_limit_makes_a_checkout_wait_for_a_release() -> None:
    pool = make_pool(Opener(), limit=1)
    held = await pool.checkout(A, INFO)
    got: list[object] = []

    async def waiter() -> None:
        got.append(await pool.checkout(A, INFO))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await trio.testing.wait_all_tasks_blocked()
        assert got == []
        assert pool.open_connections == 1
        await pool.release(held)
    assert got == [held]


@pytest.mark.trio
async def test_limit_makes_a_checkout_wait_for_a_discard() -> None:
    pool = make_pool(Opener(), limit=1)
    held = await pool.checkout(A, INFO)
    got: list[object] = []

    async def waiter() -> None:
        got.append(await pool.checkout(B, INFO))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(waiter)
        await trio.testing.wait_all_tasks_blocked()
        assert got == []
        await pool.discard(held)
    assert len(got) == 1
    assert got[0] is not held
    assert pool.open_connections == 1


@pytest.mark.trio
async def test_idle_connection_of_another_origin_gives_way() -> None:
    opener = Opener()
    pool = make_pool(opener, limit=1)
    await pool.release(await pool.checkout(A, INFO))
    other = await pool.checkout(B, INFO)
    assert other.origin == B
    assert pool.open_connections == 1
    assert pool.idle_connections == 0
    with pytest.raises(trio.ClosedResourceError):
        await opener.opened[0].send_all(b"x")


@pytest.mark.trio
async def test_expired_idle_connection_is_closed(mock_clock: trio.testing.MockClock) -> None:
    opener = Opener()
    pool = make_pool(opener, max_idle=15.0)
    first = await pool.checkout(A, INFO)
    await pool.release(first)
    mock_clock.jump(10)
    assert await pool.checkout(A, INFO) is first
    await pool.release(first)
    mock_clock.jump(16)
    second = await pool.checkout(A, INFO)
    assert second is not first
    assert first.closed
    assert pool.open_connections == 1


@pytest.mark.trio
async def test_connection_that_cannot_be_reused_is_closed_on_release() -> None:
    pool = make_pool(Opener())
    connection = await pool.checkout(A, INFO)
    connection.http.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")  # unasked bytes spoil it
    await pool.release(connection)
    assert connection.closed
    assert pool.open_connections == 0
    await pool.release(connection)  # already closed: nothing happens
    await pool.discard(connection)
    assert pool.open_connections == 0


@pytest.mark.trio
async def test_cancelled_while_opening_frees_the_slot() -> None:
    opener = Opener()
    opener.gate = trio.Event()
    pool = make_pool(opener, limit=1)
    with trio.move_on_after(0.05) as scope:
        await pool.checkout(A, INFO)
    assert scope.cancelled_caught
    assert pool.open_connections == 0
    opener.gate.set()
    assert (await pool.checkout(A, INFO)).origin == A


@pytest.mark.trio
async def test_failed_open_frees_the_slot() -> None:
    opener = Opener()
    opener.fail = True
    pool = make_pool(opener, limit=1)
    with pytest.raises(CoviaConnectionError):
        await pool.checkout(A, INFO)
    assert pool.open_connections == 0


@pytest.mark.trio
async def test_cancelled_while_waiting_for_a_slot_changes_nothing() -> None:
    pool = make_pool(Opener(), limit=1)
    held = await pool.checkout(A, INFO)
    with trio.CancelScope() as scope:
        scope.cancel()
        await pool.checkout(A, INFO)
    assert scope.cancelled_caught
    assert pool.open_connections == 1
    await pool.release(held)
    assert pool.idle_connections == 1


@pytest.mark.trio
async def test_aclose_closes_idle_and_busy_connections() -> None:
    opener = Opener()
    pool = make_pool(opener)
    busy = await pool.checkout(A, INFO)
    idle = await pool.checkout(B, INFO)
    await pool.release(idle)
    await pool.aclose()
    assert pool.closed
    assert busy.closed
    assert idle.closed
    assert pool.open_connections == 0
    assert pool.idle_connections == 0
    await pool.release(busy)  # the task that held it gives it back late: harmless
    assert pool.open_connections == 0
    with pytest.raises(CoviaUsageError, match="closed"):
        await pool.checkout(A, INFO)


@pytest.mark.trio
async def test_connection_opened_while_closing_is_closed() -> None:
    opener = Opener()
    opener.gate = trio.Event()
    pool = make_pool(opener)

    async def close_then_open() -> None:
        await trio.testing.wait_all_tasks_blocked()
        await pool.aclose()
        assert opener.gate is not None
        opener.gate.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(close_then_open)
        with pytest.raises(CoviaUsageError, match="closed"):
            await pool.checkout(A, INFO)
    assert pool.open_connections == 0
    with pytest.raises(trio.ClosedResourceError):
        await opener.opened[0].send_all(b"x")


@pytest.mark.trio
async def test_waiting_tasks_get_freed_slots_one_each_in_arrival_order() -> None:
    opener = Opener()
    pool = make_pool(opener, limit=1)
    holder = await pool.checkout(A, INFO)
    order: list[int] = []

    async def waiter(n: int) -> None:
        connection = await pool.checkout(A, INFO)
        order.append(n)
        await trio.sleep(0)
        await pool.release(connection)

    async with trio.open_nursery() as nursery:
        for n in range(5):
            nursery.start_soon(waiter, n)
            await trio.testing.wait_all_tasks_blocked()
        # Every waiter is parked on its own event; nobody is woken before a release.
        assert len(pool._waiters) == 5
        await pool.release(holder)
    assert order == [0, 1, 2, 3, 4]
    assert pool.connections_opened == 1  # the one connection was passed along
    assert not pool._waiters


@pytest.mark.trio
async def test_a_waiter_cancelled_as_it_is_woken_passes_its_turn_on() -> None:
    opener = Opener()
    pool = make_pool(opener, limit=1)
    holder = await pool.checkout(A, INFO)
    got: list[str] = []
    doomed = trio.CancelScope()

    async def impatient() -> None:
        with doomed:
            await pool.checkout(A, INFO)
            got.append("impatient")

    async def patient() -> None:
        connection = await pool.checkout(A, INFO)
        got.append("patient")
        await pool.release(connection)

    with trio.fail_after(10):  # a lost turn would leave the patient task waiting forever
        async with trio.open_nursery() as nursery:
            nursery.start_soon(impatient)
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(patient)
            await trio.testing.wait_all_tasks_blocked()
            # The impatient task is cancelled, and the freed slot is handed to it before
            # it has run: the turn must pass to the next waiter rather than be lost.
            doomed.cancel()
            await pool.release(holder)
    assert got == ["patient"]
    assert pool.open_connections == 1
