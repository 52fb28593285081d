"""The clients the benchmarks compare: the SDK through each driver, and the same HTTP
exchanges made directly with each raw library.

Every client offers the same three things: ``status()`` (``GET /status``, JSON parsed),
``invoke_result()`` (``POST /invoke`` of the echo operation and the output of the
COMPLETE record it answers) and a way to close. A driver or library that is not
installed (or not built yet) is returned as a reason string instead of a client, so a
section can print "not available" for it and go on.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INPUT",
    "OPERATION",
    "AsyncClient",
    "SyncClient",
    "asyncio_clients",
    "sync_clients",
    "trio_clients",
]

OPERATION = "v/test/ops/echo"
INPUT = {"message": "hello", "n": 42}
INVOKE_JSON = json.dumps({"operation": OPERATION, "input": INPUT}).encode()
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class SyncClient:
    status: Callable[[], object]
    invoke_result: Callable[[], object]
    close: Callable[[], None]
    extra: dict[str, Any]


@dataclass
class AsyncClient:
    status: Callable[[], Awaitable[object]]
    invoke_result: Callable[[], Awaitable[object]]
    extra: dict[str, Any]


def _missing(module: str) -> str | None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{module} cannot be imported ({exc})"
    return None


# -- sync -------------------------------------------------------------------------------


def sync_sdk(url: str) -> SyncClient:
    from covia import Grid

    venue = Grid.connect(url)

    def invoke_result() -> object:
        return venue.invoke(OPERATION, INPUT).result()

    return SyncClient(venue.status, invoke_result, venue.close, {"venue": venue})


def raw_requests(url: str) -> SyncClient:
    import requests

    session = requests.Session()
    status_url = url + "/api/v1/status"
    invoke_url = url + "/api/v1/invoke"

    def status() -> object:
        return session.get(status_url).json()

    def invoke_result() -> object:
        answer = session.post(invoke_url, data=INVOKE_JSON, headers=JSON_HEADERS)
        return answer.json()["output"]

    return SyncClient(status, invoke_result, session.close, {"session": session})


def lean_requests(url: str) -> SyncClient:
    """The floor under the sync driver: the same exchanges prepared by hand and sent
    through a bare ``HTTPAdapter``, with no SDK at all (what the driver's lean path
    does, less the core's work)."""
    import requests
    from requests.adapters import HTTPAdapter

    adapter = HTTPAdapter()
    status_url = url + "/api/v1/status"
    invoke_url = url + "/api/v1/invoke"
    base_headers = {"User-Agent": "covia-python", "Accept-Encoding": "gzip, deflate"}

    def prepared(method: str, target: str, body: bytes | None, headers: dict[str, str]) -> Any:
        request = requests.PreparedRequest()
        request.method = method
        request.url = target
        request.headers = requests.structures.CaseInsensitiveDict({**base_headers, **headers})
        request.body = body
        request.hooks = {"response": []}
        if body is not None:
            request.headers["Content-Length"] = str(len(body))
        return request

    def exchange(method: str, target: str, body: bytes | None, headers: dict[str, str]) -> Any:
        request = prepared(method, target, body, headers)
        answer = adapter.send(request, timeout=30.0, verify=True)
        content = answer.content
        answer.close()
        return json.loads(content)

    def status() -> object:
        return exchange("GET", status_url, None, {"Accept": "application/json"})

    def invoke_result() -> object:
        return exchange("POST", invoke_url, INVOKE_JSON, JSON_HEADERS)["output"]

    return SyncClient(status, invoke_result, adapter.close, {})


def raw_httpx(url: str) -> SyncClient:
    import httpx

    client = httpx.Client(base_url=url)

    def status() -> object:
        return client.get("/api/v1/status").json()

    def invoke_result() -> object:
        return client.post("/api/v1/invoke", content=INVOKE_JSON, headers=JSON_HEADERS).json()[
            "output"
        ]

    return SyncClient(status, invoke_result, client.close, {"client": client})


SYNC_FACTORIES: dict[str, tuple[str, Callable[[str], SyncClient]]] = {
    "covia sync (requests driver)": ("covia_requests", sync_sdk),
    "requests.Session": ("requests", raw_requests),
    "requests, prepared by hand (no SDK)": ("requests", lean_requests),
    "httpx.Client": ("httpx", raw_httpx),
}


@contextlib.contextmanager
def sync_clients(url: str, names: list[str]) -> Iterator[dict[str, SyncClient | str]]:
    made: dict[str, SyncClient | str] = {}
    try:
        for name in names:
            module, factory = SYNC_FACTORIES[name]
            reason = _missing(module)
            made[name] = reason if reason is not None else factory(url)
        yield made
    finally:
        for client in made.values():
            if isinstance(client, SyncClient):
                client.close()


# -- asyncio ----------------------------------------------------------------------------


def _async_shell() -> Any:
    """``covia.async_api.AsyncGrid`` if the async shell exists, else None."""
    try:
        module = importlib.import_module("covia.async_api")
    except ImportError:
        return None
    return getattr(module, "AsyncGrid", None)


async def _result(job: Any) -> object:
    value = job.result()
    if hasattr(value, "__await__"):
        value = await value
    return value


@contextlib.asynccontextmanager
async def _shell_client(grid: Any, url: str, **options: Any) -> AsyncIterator[AsyncClient]:
    connected = grid.connect(url, **options)
    venue = await connected if hasattr(connected, "__await__") else connected
    try:

        async def invoke_result() -> object:
            return await _result(await venue.invoke(OPERATION, INPUT))

        yield AsyncClient(venue.status, invoke_result, {"venue": venue, "shell": True})
    finally:
        closing = getattr(venue, "aclose", None) or venue.close
        outcome = closing()
        if hasattr(outcome, "__await__"):
            await outcome
        driver = options.get("driver")
        if driver is not None:  # a driver handed in stays the caller's to close
            await driver.aclose()


@contextlib.asynccontextmanager
async def _core_client(url: str, driver: Any) -> AsyncIterator[AsyncClient]:
    """The core's flows on ``driver`` without the shell (while the shell is missing)."""
    from covia._connect import connection_context
    from covia_proto.endpoints import jobs, status
    from covia_proto.flows.drive import drive_async
    from covia_proto.flows.run import job_output
    from covia_proto.flows.send import send

    _, context = connection_context(
        url, timeout=30.0, headers=None, auth=None, retry=None, poll=None
    )

    async def get_status() -> object:
        return await drive_async(send(context, status.get_status(context.endpoint)), driver.perform)

    async def invoke_result() -> object:
        call = jobs.invoke(context.endpoint, OPERATION, INPUT)
        result = await drive_async(send(context, call), driver.perform)
        return job_output(result.job)

    try:
        yield AsyncClient(get_status, invoke_result, {"context": context, "driver": driver})
    finally:
        await driver.aclose()


@contextlib.asynccontextmanager
async def asyncio_sdk(url: str) -> AsyncIterator[AsyncClient]:
    grid = _async_shell()
    if grid is not None:
        async with _shell_client(grid, url) as client:
            yield client
        return
    from covia_aiohttp.driver import AiohttpDriver

    async with _core_client(url, AiohttpDriver()) as client:
        yield client


@contextlib.asynccontextmanager
async def asyncio_sdk_session(url: str) -> AsyncIterator[AsyncClient]:
    """The SDK on the caller's own ``aiohttp.ClientSession`` (aiohttp's defaults:
    ``trust_env=False``), which ``AsyncGrid.connect(session=...)`` accepts."""
    import aiohttp

    grid = _async_shell()
    if grid is None:
        raise AttributeError("covia.async_api.AsyncGrid is not there yet")
    async with (
        aiohttp.ClientSession() as session,
        _shell_client(grid, url, session=session) as client,
    ):
        yield client


@contextlib.asynccontextmanager
async def raw_aiohttp(url: str) -> AsyncIterator[AsyncClient]:
    import aiohttp

    async with aiohttp.ClientSession() as session:

        async def status() -> object:
            async with session.get(url + "/api/v1/status") as answer:
                return await answer.json()

        async def invoke_result() -> object:
            async with session.post(
                url + "/api/v1/invoke", data=INVOKE_JSON, headers=JSON_HEADERS
            ) as answer:
                return (await answer.json())["output"]

        yield AsyncClient(status, invoke_result, {"session": session})


@contextlib.asynccontextmanager
async def raw_httpx_async(url: str) -> AsyncIterator[AsyncClient]:
    import httpx

    async with httpx.AsyncClient(base_url=url) as client:

        async def status() -> object:
            return (await client.get("/api/v1/status")).json()

        async def invoke_result() -> object:
            answer = await client.post("/api/v1/invoke", content=INVOKE_JSON, headers=JSON_HEADERS)
            return answer.json()["output"]

        yield AsyncClient(status, invoke_result, {"client": client})


AsyncFactory = Callable[[str], contextlib.AbstractAsyncContextManager[AsyncClient]]

ASYNCIO_FACTORIES: dict[str, tuple[str, AsyncFactory]] = {
    "covia asyncio (aiohttp driver)": ("covia_aiohttp.driver", asyncio_sdk),
    "covia asyncio, caller's aiohttp session": ("covia_aiohttp.driver", asyncio_sdk_session),
    "aiohttp.ClientSession": ("aiohttp", raw_aiohttp),
    "httpx.AsyncClient": ("httpx", raw_httpx_async),
}


@contextlib.asynccontextmanager
async def asyncio_clients(
    url: str, names: list[str]
) -> AsyncIterator[dict[str, AsyncClient | str]]:
    async with contextlib.AsyncExitStack() as stack:
        made: dict[str, AsyncClient | str] = {}
        for name in names:
            module, factory = ASYNCIO_FACTORIES[name]
            reason = _missing(module)
            if reason is None:
                try:
                    made[name] = await stack.enter_async_context(factory(url))
                except (ImportError, AttributeError, TypeError) as exc:
                    made[name] = f"cannot be set up: {exc!r}"
            else:
                made[name] = reason
        yield made


# -- trio -------------------------------------------------------------------------------


def trio_driver_class() -> Any:
    """The trio driver class, whatever ``covia_trio`` calls it; None if there is none."""
    try:
        module = importlib.import_module("covia_trio")
    except ImportError:
        return None
    for name in ("TrioDriver", "H11Driver", "Driver"):
        found = getattr(module, name, None)
        if found is not None:
            return found
    return None


def trio_connect() -> Any:
    """A trio entry point of the shell (``covia_trio.connect`` / ``TrioGrid``), if any."""
    try:
        module = importlib.import_module("covia_trio")
    except ImportError:
        return None
    for name in ("TrioGrid", "Grid", "AsyncGrid"):
        found = getattr(module, name, None)
        if found is not None:
            return found
    return None


@contextlib.asynccontextmanager
async def trio_sdk(url: str) -> AsyncIterator[AsyncClient]:
    grid = trio_connect()
    driver_class = trio_driver_class()
    if grid is not None:
        async with _shell_client(grid, url) as client:
            yield client
        return
    if driver_class is None:
        raise AttributeError("covia_trio has no driver class yet")
    shell = _async_shell()
    if shell is not None:
        async with _shell_client(shell, url, driver=driver_class()) as client:
            yield client
        return
    async with _core_client(url, driver_class()) as client:
        yield client


@contextlib.asynccontextmanager
async def _trio_with(url: str, driver: Any) -> AsyncIterator[AsyncClient]:
    shell = _async_shell()
    if shell is None:
        raise AttributeError("covia.async_api.AsyncGrid is not there yet")
    async with _shell_client(shell, url, driver=driver) as client:
        yield client


class _H11Pool:
    """Raw h11 over trio: keep-alive connections, at most ``limit`` of them, and each
    exchange bounded in time as aiohttp's and httpx's defaults bound theirs (a client
    without any timeout is not one anybody ships, and the SDK's drivers have them)."""

    def __init__(self, url: str, limit: int = 100) -> None:
        import trio

        host_port = url.split("://", 1)[1]
        self.host, _, port = host_port.partition(":")
        self.port = int(port)
        self.authority = host_port
        self.idle: list[tuple[Any, Any]] = []
        self.limiter = trio.CapacityLimiter(limit)

    async def exchange(self, method: str, target: str, body: bytes, headers: list[Any]) -> bytes:
        import trio

        with trio.fail_after(300):  # aiohttp's default total timeout
            async with self.limiter:
                return await self._exchange(method, target, body, headers)

    async def _exchange(self, method: str, target: str, body: bytes, headers: list[Any]) -> bytes:
        import h11
        import trio

        if self.idle:
            stream, conn = self.idle.pop()
        else:
            stream = await trio.open_tcp_stream(self.host, self.port)
            conn = h11.Connection(h11.CLIENT)
        all_headers = [("Host", self.authority), *headers]
        if body:
            all_headers.append(("Content-Length", str(len(body))))
        data = conn.send(h11.Request(method=method, target=target, headers=all_headers))
        if body:
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        await stream.send_all(data)
        parts: list[bytes] = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
                continue
            if isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
            self.idle.append((stream, conn))
        else:
            await stream.aclose()
        return b"".join(parts)

    async def aclose(self) -> None:
        for stream, _ in self.idle:
            await stream.aclose()
        self.idle.clear()


@contextlib.asynccontextmanager
async def raw_h11_trio(url: str) -> AsyncIterator[AsyncClient]:
    pool = _H11Pool(url)
    # The headers the SDK sends, as every other raw client sends its library's own
    # defaults: the same exchanges, not lighter ones.
    get_headers = [("User-Agent", "raw-h11"), ("Accept", "application/json")]
    json_headers = [*get_headers, ("Content-Type", "application/json")]

    async def status() -> object:
        return json.loads(await pool.exchange("GET", "/api/v1/status", b"", get_headers))

    async def invoke_result() -> object:
        body = await pool.exchange("POST", "/api/v1/invoke", INVOKE_JSON, json_headers)
        return json.loads(body)["output"]

    try:
        yield AsyncClient(status, invoke_result, {"pool": pool})
    finally:
        await pool.aclose()


TRIO_FACTORIES: dict[str, tuple[str, AsyncFactory]] = {
    "covia trio (h11 driver)": ("covia_trio", trio_sdk),
    "raw h11 over trio": ("trio", raw_h11_trio),
}


@contextlib.asynccontextmanager
async def trio_clients(url: str, names: list[str]) -> AsyncIterator[dict[str, AsyncClient | str]]:
    async with contextlib.AsyncExitStack() as stack:
        made: dict[str, AsyncClient | str] = {}
        for name in names:
            module, factory = TRIO_FACTORIES[name]
            reason = _missing(module)
            if reason is None:
                try:
                    made[name] = await stack.enter_async_context(factory(url))
                except (ImportError, AttributeError, TypeError) as exc:
                    made[name] = f"not available yet: {exc}"
            else:
                made[name] = reason
        yield made
