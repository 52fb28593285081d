"""A conformance kit for drivers: does a driver keep the contract of ``covia_proto.drivers``?

Give it a function that makes your driver, sync or async; it runs each check against a
simulated venue served on loopback HTTP (``covia_proto.testing.server``), with faults
injected where a check needs them (``covia_proto.testing.faults``), and raises
``DriverContractError`` (an ``AssertionError``) naming the clause a driver broke. One
fresh venue and one fresh driver per check. With pytest::

    import pytest
    from covia_proto.testing.driver_kit import CHECKS, check_sync_driver, check_async_driver

    @pytest.mark.parametrize("check", CHECKS, ids=str)
    def test_my_driver(check):
        check_sync_driver(check, lambda: MyDriver(timeout=5.0))

    @pytest.mark.parametrize("check", CHECKS, ids=str)
    def test_my_async_driver(check):
        asyncio.run(check_async_driver(check, lambda: MyAsyncDriver(timeout=5.0)))

(``check_async_driver`` is a coroutine: run it under the loop your driver needs, or let
pytest's asyncio or trio plugin do so.) Give the driver a ``timeout`` of 5 s or more:
the timeout checks tell an effect's own 0.3 s bound from the driver's. Pass ``loop=`` a
``BackgroundLoop`` to serve
every check's venue on one server thread (the ``_covia_loop`` fixture of the
``covia_proto.testing`` pytest plugin is one); without it each check starts its own.

What is checked, by the names in ``CHECKS``:

* requests and bodies: a GET and its JSON answer; a POST body delivered; a URL sent
  byte for byte (``%2F`` neither decoded nor re-quoted); 4xx and 5xx answers returned,
  not raised; ``Send.max_body`` refused with ``VenueProtocolError``; a streamed upload
  from chunks, a file, and (async drivers) an async iterable;
* streaming: a body read chunk by chunk to ``b""`` and again ``b""`` after its end;
  server-sent events handed over as they arrive (not when the stream ends); an error
  status on ``OpenStream`` returned; reading a closed stream refused
  (``CoviaUsageError``); closing twice harmless;
* time: ``Sleep`` sleeps and ``GetTime`` is a monotonic float; an effect's ``timeout``
  bounds a stalled ``Send``, ``OpenStream`` and ``ReadChunk`` (``CoviaTimeoutError``,
  well before the venue would give up);
* failures: a refused connection is ``CoviaConnectionError`` with ``sent=False``;
  connections reset before and after the request, and a body cut short (also while
  streaming: never a clean end), are ``CoviaConnectionError``; an unknown effect is
  ``CoviaUsageError``; no check lets any other exception out of ``perform``;
* closing and ownership: ``close``/``aclose`` twice is harmless, and a stream left open
  at close is not readable afterwards (a ``CoviaError``, never data or a library error).

A check is written once, as a generator that yields effects (and ``CLOSE_DRIVER``) and
asserts on what comes back, like a flow; ``check_sync_driver`` and
``check_async_driver`` are its two loops.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import socket
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from typing import Any, Final, TypeAlias

import attrs

from covia_proto.drivers import AsyncDriver, SyncDriver
from covia_proto.errors import (
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    VenueProtocolError,
)
from covia_proto.flows.effects import (
    CloseStream,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.http import Request, Response
from covia_proto.testing.faults import (
    Fault,
    FaultPlan,
    ResetAfterRequest,
    ResetBeforeRequest,
    ServerError,
    StallResponse,
    TruncateBody,
)
from covia_proto.testing.server import BackgroundLoop, serve_venue

__all__ = [
    "CHECKS",
    "CLOSE_DRIVER",
    "Check",
    "DriverContractError",
    "Site",
    "check_async_driver",
    "check_sync_driver",
]

ECHO: Final = "v/test/ops/echo"
NEVER: Final = "v/test/ops/never"
JSON: Final = (("Accept", "application/json"), ("Content-Type", "application/json"))
CONTENT: Final = bytes(range(256)) * 1024  # 256 KiB: more than one chunk anywhere
STALL: Final = 0.3  # the effect timeout put on a venue that never answers
LATE: Final = 2.5  # how long past STALL a timed-out effect may still take to end
ENDS_WITHIN: Final = 10.0  # the bound on reads that must not time out
UPLOADS: Final = ("chunks", "file", "async chunks")


class DriverContractError(AssertionError):
    """A driver broke the contract of ``covia_proto.drivers``; the message says how."""


class _CloseDriver:
    """What a check yields to have the driver closed (``close()`` or ``aclose()``)."""

    def __repr__(self) -> str:
        return "CLOSE_DRIVER"


CLOSE_DRIVER: Final = _CloseDriver()


class _Unknown:
    """An effect no driver knows."""

    def __repr__(self) -> str:
        return "<an effect no driver knows>"


@attrs.frozen
class Site:
    """What a check works with: the venue's base URL, assets registered for it (ids by
    purpose), a URL where nothing listens, and whether the driver is async."""

    url: str
    assets: Mapping[str, str]
    refused_url: str
    is_async: bool

    def request(self, method: str, path: str, body: object = None) -> Request:
        """A request to the venue's ``path``, with ``body`` as JSON when given."""
        data = b"" if body is None else json.dumps(body).encode()
        headers = JSON if body is not None else JSON[:1]
        return Request(method, self.url + path, headers=headers, body=data)

    def events(self, job: str) -> Request:
        """The request for a job's event stream (the venue wants exactly this Accept)."""
        return Request(
            "GET", f"{self.url}/api/v1/jobs/{job}/sse", headers=(("Accept", "text/event-stream"),)
        )


CheckBody: TypeAlias = Generator[object, Any, None]


@attrs.frozen
class Check:
    """One clause of the contract: ``run(site)`` yields effects and checks the results;
    the venue is served with ``venue`` options (``serve_venue``'s), ``faults`` as
    ``(fault, method, path pattern)`` rules, and ``assets`` (name → metadata; the
    content is ``CONTENT``, uploaded with it unless ``upload`` names it)."""

    name: str
    run: Callable[[Site], CheckBody]
    venue: Mapping[str, Any] = attrs.field(factory=dict)
    faults: tuple[tuple[Fault, str, str], ...] = ()
    assets: tuple[str, ...] = ()
    empty_assets: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name

    @property
    def needs_simulator(self) -> bool:
        """Whether the check needs the simulator (its faults, its assets, or options such
        as the event-stream route, which venues of version 0.1 shadow), or runs on any
        public venue with the test operations (``check_*_driver(..., url=...)``)."""
        return bool(self.faults or self.assets or self.empty_assets or self.venue)


# -- helpers of the checks -------------------------------------------------------------------


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _require(condition: object, message: str) -> None:
    if not condition:
        raise DriverContractError(message)


def _raises(effect: object, *kinds: type[CoviaError]) -> Generator[object, Any, CoviaError]:
    """Perform ``effect``, which must raise one of ``kinds``; the error."""
    names = " or ".join(kind.__name__ for kind in kinds)
    try:
        got = yield effect
    except CoviaError as exc:
        _require(
            isinstance(exc, kinds), f"{effect!r} raised {type(exc).__name__}: {exc}; want {names}"
        )
        return exc
    raise DriverContractError(f"{effect!r} returned {_short(got)}; want {names} raised")


def _response(got: object, effect: object) -> Response:
    _require(isinstance(got, Response), f"{effect!r} returned {_short(got)}, not a Response")
    assert isinstance(got, Response)
    _require(
        all(isinstance(k, str) and isinstance(v, str) for k, v in got.headers),
        f"{effect!r}: headers must be (str, str) pairs, got {got.headers!r}",
    )
    _require(isinstance(got.body, bytes), f"{effect!r}: the body must be bytes")
    return got


def _send(effect: Send) -> Generator[object, Any, Response]:
    return _response((yield effect), effect)


def _open(effect: OpenStream) -> Generator[object, Any, OpenedStream]:
    got = yield effect
    _require(
        isinstance(got, OpenedStream), f"{effect!r} returned {_short(got)}, not an OpenedStream"
    )
    assert isinstance(got, OpenedStream)
    return got


def _read_to_end(handle: object, limit: int = 100_000) -> Generator[object, Any, bytes]:
    parts: list[bytes] = []
    for _ in range(limit):
        chunk = yield ReadChunk(handle, timeout=ENDS_WITHIN)
        _require(isinstance(chunk, bytes), f"ReadChunk returned {_short(chunk)}, not bytes")
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
    raise DriverContractError(f"no end of the body after {limit} reads")


def _timed(effect: object, kind: type[CoviaError]) -> CheckBody:
    """``effect`` must raise ``kind`` (a timeout) near its ``STALL`` bound."""
    started = yield GetTime()
    yield from _raises(effect, kind)
    ended = yield GetTime()
    _overran(effect, ended - started)


def _overran(effect: object, took: float) -> None:
    _require(
        took < STALL + LATE,
        f"{effect!r} timed out after {took:.1f} s, not at its {STALL} s bound: "
        "an effect's timeout caps the driver's own",
    )


def _json(response: Response, what: str) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:
        raise DriverContractError(f"{what}: the body is not the venue's JSON") from None


# -- the checks: requests and bodies -------------------------------------------------------


def send_get(site: Site) -> CheckBody:
    response = yield from _send(Send(site.request("GET", "/api/v1/status")))
    _require(response.status == 200, f"GET /status answered {response.status}")
    _require(
        (response.header("Content-Type") or "").startswith("application/json"),
        "the response's Content-Type header is missing",
    )
    _require("did" in _json(response, "GET /status"), "GET /status: not the venue's status")


def send_post_body(site: Site) -> CheckBody:
    given = {"kit": [1, "two", {"three": 3.0}], "text": "é ☃"}
    request = site.request("POST", "/api/v1/invoke", {"operation": ECHO, "input": given})
    response = yield from _send(Send(request))
    _require(response.status in (200, 201), f"POST /invoke answered {response.status}")
    _require(_json(response, "POST /invoke").get("output") == given, "the POST body was not sent")


def send_url_verbatim(site: Site) -> CheckBody:
    path = "/api/v1/operations/" + ECHO.replace("/", "%2F")
    response = yield from _send(Send(site.request("GET", path)))
    _require(
        response.status == 200,
        f"GET {path} answered {response.status}: the URL was not sent as the core encoded it",
    )


def send_returns_error_statuses(site: Site) -> CheckBody:
    missing = yield from _send(Send(site.request("GET", "/api/v1/jobs/" + "0" * 32)))
    _require(missing.status == 404, f"a missing job answered {missing.status}, not 404")
    _require(missing.body, "the 404's body was dropped: the core parses it")
    failing = yield from _send(Send(site.request("GET", "/api/v1/status")))
    _require(failing.status == 503, f"a failing venue answered {failing.status}, not 503")


def send_max_body(site: Site) -> CheckBody:
    request = site.request("GET", "/api/v1/operations")
    whole = yield from _send(Send(request))
    exact = yield from _send(Send(request, max_body=len(whole.body)))
    _require(exact.body == whole.body, "a body of exactly max_body bytes must be returned")
    error = yield from _raises(Send(request, max_body=16), VenueProtocolError)
    _require("max_body_size" in str(error), f"the error must name max_body_size: {error}")


def send_streamed_upload(site: Site) -> CheckBody:
    kinds = UPLOADS if site.is_async else UPLOADS[:2]
    for kind in kinds:
        ident = site.assets[kind]
        request = Request("PUT", f"{site.url}/api/v1/assets/{ident}/content")
        stored = yield from _send(Send(request, body_stream=_upload_source(kind)))
        _require(stored.status == 200, f"an upload from {kind} answered {stored.status}")
        back = yield from _send(Send(Request("GET", f"{site.url}/api/v1/assets/{ident}/content")))
        _require(back.body == CONTENT, f"an upload from {kind} did not arrive whole")


def _upload_source(kind: str) -> object:
    size = 100_000
    pieces = [CONTENT[i : i + size] for i in range(0, len(CONTENT), size)]
    if kind == "chunks":
        return iter(pieces)
    if kind == "file":
        return io.BytesIO(CONTENT)

    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return chunks()


# -- the checks: streaming -----------------------------------------------------------------


def stream_body(site: Site) -> CheckBody:
    url = f"{site.url}/api/v1/assets/{site.assets['download']}/content"
    opened = yield from _open(OpenStream(Request("GET", url)))
    _require(opened.head.status == 200, f"the download answered {opened.head.status}")
    body = yield from _read_to_end(opened.handle)
    _require(body == CONTENT, "the streamed body differs from the content")
    again = yield ReadChunk(opened.handle)
    _require(again == b"", f"a read past the end returned {_short(again)}, not b''")
    yield CloseStream(opened.handle)
    yield CloseStream(opened.handle)  # twice: harmless


def stream_events_as_they_come(site: Site) -> CheckBody:
    invoked = yield from _send(Send(site.request("POST", "/api/v1/invoke", {"operation": NEVER})))
    job = _json(invoked, "POST /invoke")["id"]
    opened = yield from _open(OpenStream(site.events(job)))
    _require(opened.head.status == 200, f"the event stream answered {opened.head.status}")
    _require(
        (opened.head.header("Content-Type") or "").startswith("text/event-stream"),
        "the event stream's head lost its Content-Type",
    )
    # The job never ends, so neither does its stream: the first event must come anyway.
    first = yield ReadChunk(opened.handle, timeout=ENDS_WITHIN)
    _require(
        isinstance(first, bytes) and b"data:" in first,
        f"the first event was not handed over as it arrived: {_short(first)}",
    )
    yield CloseStream(opened.handle)


def stream_error_status(site: Site) -> CheckBody:
    opened = yield from _open(OpenStream(site.request("GET", "/api/v1/jobs/" + "0" * 32)))
    _require(opened.head.status == 404, f"OpenStream of a missing job gave {opened.head.status}")
    body = yield from _read_to_end(opened.handle)
    _require(body, "the 404's body was dropped")
    yield CloseStream(opened.handle)


def stream_read_after_close(site: Site) -> CheckBody:
    url = f"{site.url}/api/v1/assets/{site.assets['download']}/content"
    opened = yield from _open(OpenStream(Request("GET", url)))
    yield CloseStream(opened.handle)
    yield from _raises(ReadChunk(opened.handle), CoviaUsageError)


# -- the checks: time ----------------------------------------------------------------------


def sleep_and_time(site: Site) -> CheckBody:
    started = yield GetTime()
    _require(isinstance(started, float), f"GetTime returned {started!r}, not a float")
    slept = yield Sleep(0.05)
    _require(slept is None, f"Sleep returned {slept!r}, not None")
    ended = yield GetTime()
    took = ended - started
    _require(
        0.045 <= took < 0.05 + LATE,
        f"Sleep(0.05) took {took:.3f} on GetTime's clock, which counts seconds",
    )
    yield Sleep(0.0)


def send_timeout(site: Site) -> CheckBody:
    yield from _timed(Send(site.request("GET", "/api/v1/status"), timeout=STALL), CoviaTimeoutError)


def open_timeout(site: Site) -> CheckBody:
    effect = OpenStream(site.request("GET", "/api/v1/status"), timeout=STALL)
    yield from _timed(effect, CoviaTimeoutError)


def read_timeout(site: Site) -> CheckBody:
    invoked = yield from _send(Send(site.request("POST", "/api/v1/invoke", {"operation": NEVER})))
    job = _json(invoked, "POST /invoke")["id"]
    opened = yield from _open(OpenStream(site.events(job)))
    # The job's events so far, then a stream that stays silent: a read must time out.
    for _ in range(100):
        started = yield GetTime()
        try:
            chunk = yield ReadChunk(opened.handle, timeout=STALL)
        except CoviaTimeoutError:
            ended = yield GetTime()
            _overran(ReadChunk(opened.handle, timeout=STALL), ended - started)
            break
        except CoviaError as exc:
            raise DriverContractError(f"a silent stream raised {exc!r}, not a timeout") from exc
        _require(chunk, "a silent stream ended (b'') instead of timing out")
    else:
        raise DriverContractError("ReadChunk never timed out on a silent stream")
    yield CloseStream(opened.handle)  # harmless after a timeout


# -- the checks: failures ------------------------------------------------------------------


def refused(site: Site) -> CheckBody:
    request = Request("GET", site.refused_url + "/api/v1/status")
    error = yield from _raises(Send(request), CoviaConnectionError)
    assert isinstance(error, CoviaConnectionError)
    _require(error.sent is False, "a refused connection must say sent=False")
    _require(
        error.request is not None and error.request.url == request.url,
        "the error must name its request (request=request.info)",
    )
    yield from _raises(OpenStream(request), CoviaConnectionError)


def reset(site: Site) -> CheckBody:
    yield from _raises(Send(site.request("GET", "/api/v1/status")), CoviaConnectionError)
    request = site.request("POST", "/api/v1/invoke", {"operation": ECHO, "input": 1})
    error = yield from _raises(Send(request), CoviaConnectionError)
    assert isinstance(error, CoviaConnectionError)
    _require(error.sent, "a reset after the request was read must say sent=True")


def truncated(site: Site) -> CheckBody:
    request = site.request("GET", "/api/v1/operations")
    yield from _raises(Send(request), CoviaConnectionError)
    opened = yield from _open(OpenStream(request))
    try:
        for _ in range(100_000):
            chunk = yield ReadChunk(opened.handle, timeout=ENDS_WITHIN)
            _require(chunk, "a body cut short ended like a whole one (b'')")
    except CoviaConnectionError:
        pass
    except CoviaError as exc:
        raise DriverContractError(f"a body cut short raised {exc!r}") from exc
    yield CloseStream(opened.handle)


def unknown_effect(site: Site) -> CheckBody:
    yield from _raises(_Unknown(), CoviaUsageError)


# -- the checks: closing --------------------------------------------------------------------


def close_twice(site: Site) -> CheckBody:
    url = f"{site.url}/api/v1/assets/{site.assets['download']}/content"
    opened = yield from _open(OpenStream(Request("GET", url)))
    yield CLOSE_DRIVER
    yield CLOSE_DRIVER  # twice: harmless
    try:
        got = yield ReadChunk(opened.handle)
    except CoviaError:
        return
    raise DriverContractError(f"a stream open at close was read after it: {_short(got)}")


CHECKS: Final[tuple[Check, ...]] = (
    Check("send_get", send_get),
    Check("send_post_body", send_post_body),
    Check("send_url_verbatim", send_url_verbatim),
    Check(
        "send_returns_error_statuses",
        send_returns_error_statuses,
        faults=((ServerError(503), "GET", "/status$"),),
    ),
    Check("send_max_body", send_max_body),
    Check("send_streamed_upload", send_streamed_upload, empty_assets=UPLOADS),
    Check("stream_body", stream_body, assets=("download",)),
    Check("stream_events_as_they_come", stream_events_as_they_come, venue={"sse": True}),
    Check("stream_error_status", stream_error_status),
    Check("stream_read_after_close", stream_read_after_close, assets=("download",)),
    Check("sleep_and_time", sleep_and_time),
    Check("send_timeout", send_timeout, faults=((StallResponse(), "GET", "/status$"),)),
    Check("open_timeout", open_timeout, faults=((StallResponse(), "GET", "/status$"),)),
    Check("read_timeout", read_timeout, venue={"sse": True}),
    Check("refused", refused),
    Check(
        "reset",
        reset,
        faults=(
            (ResetBeforeRequest(), "GET", "/status$"),
            (ResetAfterRequest(), "POST", "/invoke$"),
        ),
    ),
    Check("truncated", truncated, faults=((TruncateBody(), "GET", "/operations$"),)),
    Check("unknown_effect", unknown_effect),
    Check("close_twice", close_twice, assets=("download",)),
)
"""Every check of the kit, in the order of the module docs."""


# -- running a check -----------------------------------------------------------------------------


@contextlib.contextmanager
def _site(
    check: Check, loop: BackgroundLoop | None, url: str | None, *, is_async: bool
) -> Iterator[Site]:
    if url is not None:
        if check.needs_simulator:
            raise DriverContractError(f"{check.name} needs the simulator: give no url")
        yield Site(url.rstrip("/"), {}, _refused_url(), is_async)
        return
    plan = FaultPlan()
    for fault, method, path in check.faults:
        plan.add(fault, method=method, path=path)
    with serve_venue(loop=loop, faults=plan, **check.venue) as served:
        assets = {}
        for name in check.assets:
            assets[name] = served.call(served.simulator.add_asset, {"name": name}, CONTENT)
        for name in check.empty_assets:
            metadata = {"name": name, "content": {"sha256": hashlib.sha256(CONTENT).hexdigest()}}
            assets[name] = served.call(served.simulator.add_asset, metadata)
        yield Site(served.url, assets, _refused_url(), is_async)


def _refused_url() -> str:
    """A loopback URL where nothing listens (a port just bound and let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Run:
    """One run of a check, whichever loop performs its effects: what goes into it next,
    and the streams it opened (closed at the end, however it ends)."""

    def __init__(self, body: CheckBody) -> None:
        self.body = body
        self.effect: object = None
        self.value: Any = None
        self.error: CoviaError | None = None
        self.opened: list[object] = []

    def next_effect(self) -> object:
        """The check's next effect, given what the last one gave; None once it is done."""
        value, error, effect = self.value, self.error, self.effect
        self.value, self.error = None, None
        try:
            self.effect = self.body.throw(error) if error is not None else self.body.send(value)
        except StopIteration:
            return None
        except CoviaError as exc:
            if exc is not error:
                raise
            raise DriverContractError(
                f"{effect!r} raised {type(exc).__name__} ({exc}) where the check wanted an answer"
            ) from exc
        return self.effect

    def performed(self, value: Any) -> None:
        self.value = value
        if isinstance(value, OpenedStream):
            self.opened.append(value.handle)

    def failed(self, exc: Exception) -> None:
        """A core error goes back into the check; anything else breaks the contract."""
        if not isinstance(exc, CoviaError):
            raise DriverContractError(
                f"{self.effect!r} let {type(exc).__name__} out of perform ({exc}): a driver "
                "raises only the core's errors (covia_proto.errors)"
            ) from exc
        self.error = exc

    def finish(self) -> list[CloseStream]:
        self.body.close()
        return [CloseStream(handle) for handle in self.opened]


def check_sync_driver(
    check: Check,
    make_driver: Callable[[], SyncDriver],
    *,
    loop: BackgroundLoop | None = None,
    url: str | None = None,
) -> None:
    """Run ``check`` against a driver from ``make_driver()``; ``DriverContractError``
    says what it did wrong. The driver is closed at the end. ``url`` runs the check on
    that venue instead of the simulator (only checks that do not ``needs_simulator``)."""
    with _site(check, loop, url, is_async=False) as site:
        driver = make_driver()
        run = _Run(check.run(site))
        try:
            while (effect := run.next_effect()) is not None:
                if effect is CLOSE_DRIVER:
                    driver.close()
                    continue
                try:
                    run.performed(driver.perform(effect))  # type: ignore[arg-type]
                except Exception as exc:
                    run.failed(exc)
        finally:
            for close in run.finish():
                with contextlib.suppress(CoviaError):
                    driver.perform(close)
            driver.close()


async def check_async_driver(
    check: Check,
    make_driver: Callable[[], AsyncDriver],
    *,
    loop: BackgroundLoop | None = None,
    url: str | None = None,
) -> None:
    """The async twin of ``check_sync_driver``: await it under the driver's loop."""
    with _site(check, loop, url, is_async=True) as site:
        driver = make_driver()
        run = _Run(check.run(site))
        try:
            while (effect := run.next_effect()) is not None:
                if effect is CLOSE_DRIVER:
                    await driver.aclose()
                    continue
                try:
                    run.performed(await driver.perform(effect))  # type: ignore[arg-type]
                except Exception as exc:
                    run.failed(exc)
        finally:
            for close in run.finish():
                with contextlib.suppress(CoviaError):
                    await driver.perform(close)
            await driver.aclose()
