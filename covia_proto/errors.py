"""The exception hierarchy, shared by the core, every driver and the user API.

Each class says whose fault a failure was:

* ``CoviaUsageError`` – the caller passed something the SDK cannot use (also a
  ``ValueError``, so ordinary validation code catches it);
* ``GridError`` and its subclasses – the venue answered with an HTTP error;
* ``VenueProtocolError`` – the venue (or something in front of it) broke the protocol:
  malformed JSON, wrong types, a truncated body, a broken event stream;
* ``CoviaConnectionError`` / ``CoviaTimeoutError`` – the transport failed or ran out of
  time (also the built-in ``ConnectionError`` / ``TimeoutError``);
* ``JobFailedError`` – a job ended without completing; ``JobInteractionRequired`` – it
  waits for the caller; ``JobTimeoutError`` – it did not finish in the time given. All
  three carry the job (``job_id``, ``job_data``), which goes on at the venue;
* ``TokenError`` – a JWT or UCAN that fails verification (signature, time, chain).

Messages name the request that failed (method and URL) but never a header, so a secret
cannot reach a log or a traceback through them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from covia_proto.models import JobRecord

__all__ = [
    "AssetIdMismatchError",
    "AssetNotFoundError",
    "AuthenticationError",
    "ContentHashError",
    "CoviaConnectionError",
    "CoviaError",
    "CoviaTimeoutError",
    "CoviaUsageError",
    "GridError",
    "JobFailedError",
    "JobInteractionRequired",
    "JobNotFoundError",
    "JobTimeoutError",
    "JsonRpcError",
    "NotFoundError",
    "RateLimitError",
    "RequestInfo",
    "TokenError",
    "VenueProtocolError",
]


@attrs.frozen
class RequestInfo:
    """What an error says about the request that failed: never headers or a body."""

    method: str
    url: str

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def _prefixed(message: str, request: RequestInfo | None) -> str:
    return f"{request}: {message}" if request is not None else message


def _restore(cls: type[CoviaError], args: tuple[Any, ...], state: dict[str, Any]) -> CoviaError:
    """An unpickled error: built without ``__init__`` (whose signature differs from
    class to class), then given back its ``args`` and every field."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class CoviaError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(self, message: str, *, request: RequestInfo | None = None) -> None:
        super().__init__(_prefixed(message, request))
        self.message = message
        self.request = request

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which fails for every class whose
        # __init__ takes more than the message (an error raised in a process pool's
        # worker would then break the pool): the fields travel as they are instead.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class CoviaUsageError(CoviaError, ValueError):
    """The caller passed an argument the SDK cannot use (a bad URL, DID or ID)."""


class GridError(CoviaError):
    """The venue answered a request with an HTTP error status (4xx or 5xx).

    ``message`` is the venue's own explanation: the ``error`` field of a JSON body, else
    the body's text; ``body`` keeps the raw bytes so nothing the venue said is lost.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        body: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
        request: RequestInfo | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.headers = headers
        super().__init__(message, request=request)
        # Keep str(e) readable: "GET https://v/api/v1/x: 404 Not found".
        self.args = (_prefixed(f"{status_code} {message}", request),)

    @property
    def response_body(self) -> Any:
        """The official SDK's name: the body parsed as JSON, None if it is not JSON
        (``body`` keeps the bytes)."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
            return None


class AuthenticationError(GridError):
    """The venue answered 401: it did not accept the caller's credentials (or got none).

    ``message`` keeps the venue's words and adds how to supply an identity.
    """


class NotFoundError(GridError):
    """The venue answered 404."""


class AssetNotFoundError(NotFoundError):
    """The venue has no asset (or no content) under ``asset_id``."""

    def __init__(self, status_code: int, message: str, *, asset_id: str, **kwargs: Any) -> None:
        self.asset_id = asset_id
        super().__init__(status_code, message, **kwargs)


class JobNotFoundError(NotFoundError):
    """The venue has no live job ``job_id`` that the caller may see."""

    def __init__(self, status_code: int, message: str, *, job_id: str, **kwargs: Any) -> None:
        self.job_id = job_id
        super().__init__(status_code, message, **kwargs)


class RateLimitError(GridError):
    """The venue answered 429; ``retry_after`` is its hint in seconds, if it gave one."""

    def __init__(
        self, status_code: int, message: str, *, retry_after: float | None, **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status_code, message, **kwargs)

    @property
    def retry_after_seconds(self) -> float | None:
        """The official SDK's name for ``retry_after``."""
        return self.retry_after


class JsonRpcError(CoviaError):
    """A JSON-RPC endpoint (``/mcp``, ``/a2a``) answered with an error object."""

    def __init__(
        self, code: int, message: str, *, data: Any = None, request: RequestInfo | None = None
    ) -> None:
        self.code = code
        self.data = data
        super().__init__(f"JSON-RPC error {code}: {message}", request=request)


class TokenError(CoviaError):
    """A signed token (JWT or UCAN) that cannot be trusted or used: malformed, badly
    signed, expired, not yet valid, for someone else, or claiming more than it was given."""


class VenueProtocolError(CoviaError):
    """The venue's answer breaks the protocol: malformed, truncated or inconsistent."""


class ContentHashError(VenueProtocolError):
    """Content whose SHA-256 is not the one its metadata declares."""

    def __init__(self, expected: str, actual: str, *, request: RequestInfo | None = None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"content hash mismatch: expected sha256 {expected}, got {actual}",
            request=request,
        )


class AssetIdMismatchError(VenueProtocolError):
    """Asset metadata and an id that do not match: metadata served under an id that is
    not its own (``expected`` the id asked for, ``actual`` the metadata's), or a venue
    that registered metadata under another id than its own (``expected`` the id of what
    was sent, ``actual`` the venue's answer). Ids are the CAD3 ids of venue-api.md §5.1."""

    def __init__(
        self, expected: str, actual: str, *, what: str = "", request: RequestInfo | None = None
    ) -> None:
        self.expected = expected
        self.actual = actual
        self.what = what
        detail = f" ({what})" if what else ""
        super().__init__(
            f"asset id mismatch: expected {expected}, got {actual}{detail}", request=request
        )


class CoviaConnectionError(CoviaError, ConnectionError):
    """The venue could not be reached, or the connection failed mid-exchange.

    ``sent`` is true when the request may already have reached the venue, which is what
    forbids re-sending a request that is not idempotent.
    """

    def __init__(
        self, message: str, *, request: RequestInfo | None = None, sent: bool = True
    ) -> None:
        self.sent = sent
        super().__init__(message, request=request)


class CoviaTimeoutError(CoviaError, TimeoutError):
    """A request, or a wait for a job, ran out of time."""


class JobTimeoutError(CoviaTimeoutError):
    """A wait for a job (``wait``, ``result``, ``run``) ran out of time. The job goes on
    at the venue: ``job_id`` names it, ``job_data`` is its last record seen (None if
    none was), so the caller can wait again, cancel it or message it."""

    def __init__(
        self, job_id: str, timeout: float | None, job_data: JobRecord | None = None
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.job_data = job_data
        within = f" within {timeout:g} s" if timeout is not None else " in time"
        state = f" (still {job_data.status.value})" if job_data is not None else ""
        super().__init__(f"job {job_id} did not finish{within}{state}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.job_id, self.timeout, self.job_data))


class JobFailedError(CoviaError):
    """A job finished without completing (FAILED, CANCELLED, REJECTED, TIMEOUT).

    ``job_data`` is the job's final record, so ``e.job_data.error`` says why.
    """

    def __init__(self, job_data: JobRecord) -> None:
        self.job_data = job_data
        self.job_id = job_data.id
        reason = f": {job_data.error}" if job_data.error else ""
        super().__init__(f"job {job_data.id} ended {job_data.status.value}{reason}")


class JobInteractionRequired(CoviaError):
    """A job asked for something only the caller can give (PAUSED, INPUT_REQUIRED,
    AUTH_REQUIRED), so waiting for its result cannot end by itself."""

    def __init__(self, job_data: JobRecord) -> None:
        self.job_data = job_data
        self.job_id = job_data.id
        super().__init__(f"job {job_data.id} is {job_data.status.value}: it needs the caller")
