"""Tests of the exception hierarchy: who is at fault, and what a message may say."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from covia_proto.errors import (
    AssetIdMismatchError,
    AssetNotFoundError,
    AuthenticationError,
    ContentHashError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JobTimeoutError,
    JsonRpcError,
    NotFoundError,
    RateLimitError,
    RequestInfo,
    TokenError,
    VenueProtocolError,
)
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord
from covia_proto.optional import MissingDependencyError

REQ = RequestInfo("GET", "https://venue.example/api/v1/jobs/abcd")


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (CoviaUsageError, (CoviaError, ValueError)),
        (GridError, (CoviaError,)),
        (NotFoundError, (GridError, CoviaError)),
        (AssetNotFoundError, (NotFoundError, GridError)),
        (JobNotFoundError, (NotFoundError, GridError)),
        (RateLimitError, (GridError,)),
        (JsonRpcError, (CoviaError,)),
        (VenueProtocolError, (CoviaError,)),
        (CoviaConnectionError, (CoviaError, ConnectionError, OSError)),
        (CoviaTimeoutError, (CoviaError, TimeoutError, OSError)),
        (JobFailedError, (CoviaError,)),
        (JobInteractionRequired, (CoviaError,)),
    ],
)
def test_hierarchy(cls: type, bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(cls, base), (cls, base)


@pytest.mark.parametrize(
    ("cls", "not_a"),
    [
        (VenueProtocolError, GridError),
        (GridError, ValueError),
        (CoviaConnectionError, TimeoutError),
        (CoviaTimeoutError, ConnectionError),
        (RateLimitError, NotFoundError),
        (JobFailedError, GridError),
    ],
)
def test_unrelated_classes_stay_apart(cls: type, not_a: type) -> None:
    assert not issubclass(cls, not_a)


def test_request_info_str_is_method_and_url() -> None:
    assert str(REQ) == "GET https://venue.example/api/v1/jobs/abcd"


def test_plain_error_message_with_and_without_request() -> None:
    assert str(CoviaError("boom")) == "boom"
    err = VenueProtocolError("body is empty", request=REQ)
    assert str(err) == "GET https://venue.example/api/v1/jobs/abcd: body is empty"
    assert err.message == "body is empty"
    assert err.request is REQ


def test_grid_error_carries_status_body_and_headers() -> None:
    headers = (("Content-Type", "application/json"),)
    err = GridError(
        400, "Negative limit", body=b'{"error":"Negative limit"}', headers=headers, request=REQ
    )
    assert err.status_code == 400
    assert err.message == "Negative limit"
    assert err.body == b'{"error":"Negative limit"}'
    assert err.headers == headers
    assert str(err) == "GET https://venue.example/api/v1/jobs/abcd: 400 Negative limit"
    assert str(GridError(500, "oops")) == "500 oops"


def test_not_found_subclasses_keep_their_resource_ids() -> None:
    asset = AssetNotFoundError(404, "Asset not found: ab", asset_id="ab", request=REQ)
    job = JobNotFoundError(404, "Not Found", job_id="cd", body=b"")
    assert asset.asset_id == "ab"
    assert asset.status_code == 404
    assert asset.request is REQ
    assert job.job_id == "cd"
    assert job.message == "Not Found"
    assert str(job) == "404 Not Found"


def test_rate_limit_error_keeps_retry_after() -> None:
    assert RateLimitError(429, "slow down", retry_after=2.5).retry_after == 2.5
    assert RateLimitError(429, "slow down", retry_after=None).retry_after is None


def test_json_rpc_error() -> None:
    err = JsonRpcError(-32602, "Unknown tool: x", data={"tool": "x"}, request=REQ)
    assert err.code == -32602
    assert err.data == {"tool": "x"}
    assert str(err).endswith("JSON-RPC error -32602: Unknown tool: x")
    assert str(err).startswith("GET https://venue.example")


def test_connection_error_sent_flag_and_builtin_behaviour() -> None:
    err = CoviaConnectionError("connection reset", request=REQ, sent=False)
    assert err.sent is False
    assert CoviaConnectionError("refused").sent is True
    assert str(err) == f"{REQ}: connection reset"
    with pytest.raises(ConnectionError):
        raise err


def test_timeout_error_is_caught_as_builtin_timeout() -> None:
    with pytest.raises(TimeoutError, match="read timed out"):
        raise CoviaTimeoutError("read timed out", request=REQ)


def test_usage_error_is_caught_as_value_error() -> None:
    with pytest.raises(ValueError, match="bad DID"):
        raise CoviaUsageError("bad DID")


def _record(status: str, error: str | None = None) -> JobRecord:
    return JobRecord(id="0" * 32, status=JobStatus(status), error=error)


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (
            "FAILED",
            "Length must be between 1 and 1024",
            f"job {'0' * 32} ended FAILED: Length must be between 1 and 1024",
        ),
        ("CANCELLED", None, f"job {'0' * 32} ended CANCELLED"),
        ("TIMEOUT", "", f"job {'0' * 32} ended TIMEOUT"),
    ],
)
def test_job_failed_error(status: str, error: str | None, text: str) -> None:
    job = _record(status, error)
    err = JobFailedError(job)
    assert err.job_data is job
    assert str(err) == text


def test_job_interaction_required() -> None:
    job = _record("INPUT_REQUIRED")
    err = JobInteractionRequired(job)
    assert err.job_data is job
    assert str(err) == f"job {'0' * 32} is INPUT_REQUIRED: it needs the caller"


def test_messages_never_hold_headers() -> None:
    secret = "Bearer s3cr3t-token"
    err = GridError(
        401, "Authentication required", headers=(("Authorization", secret),), request=REQ
    )
    assert "s3cr3t" not in str(err)
    assert "s3cr3t" not in repr(err)
    assert "s3cr3t" not in repr(err.request)


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        (b'{"error": "nope"}', {"error": "nope"}),
        (b"plain text", None),
        (b"\xff\xfe", None),
        (b"[" * 100_000, None),
        (b"", None),
    ],
)
def test_the_official_name_response_body_is_the_parsed_body(body: bytes, parsed: object) -> None:
    assert GridError(400, "x", body=body).response_body == parsed


def test_the_official_name_retry_after_seconds() -> None:
    assert RateLimitError(429, "slow down", retry_after=2.5).retry_after_seconds == 2.5


def _one_of_each() -> list[CoviaError]:
    """An instance of every public exception class, each with all its fields set."""
    job = _record("FAILED", "boom")
    grid: dict[str, Any] = {"body": b'{"error":"x"}', "headers": (("Retry", "1"),), "request": REQ}
    return [
        CoviaError("plain", request=REQ),
        CoviaUsageError("bad id"),
        GridError(500, "broken", **grid),
        AuthenticationError(401, "who are you", **grid),
        NotFoundError(404, "gone", **grid),
        AssetNotFoundError(404, "no asset", asset_id="ab12", **grid),
        JobNotFoundError(404, "no job", job_id="cd34", **grid),
        RateLimitError(429, "slow down", retry_after=2.5, **grid),
        JsonRpcError(-32601, "no method", data={"why": [1, 2]}, request=REQ),
        VenueProtocolError("malformed", request=REQ),
        ContentHashError("aa" * 32, "bb" * 32, request=REQ),
        AssetIdMismatchError("aa" * 32, "bb" * 32, what="tampered", request=REQ),
        CoviaConnectionError("reset", request=REQ, sent=False),
        CoviaTimeoutError("late", request=REQ),
        JobTimeoutError("ab" * 16, 2.5, _record("STARTED")),
        TokenError("expired", request=REQ),
        JobFailedError(job),
        JobInteractionRequired(_record("INPUT_REQUIRED")),
        MissingDependencyError("install covia[aiohttp]"),
    ]


def test_the_list_of_pickled_errors_covers_every_public_class() -> None:
    import covia.exceptions
    import covia_proto.errors

    public = {
        getattr(module, name)
        for module in (covia_proto.errors, covia.exceptions)
        for name in module.__all__
    }
    classes = {cls for cls in public if isinstance(cls, type) and issubclass(cls, CoviaError)}
    assert classes == {type(error) for error in _one_of_each()}


@pytest.mark.parametrize("error", _one_of_each(), ids=lambda e: type(e).__name__)
def test_every_error_survives_pickling_with_its_fields(error: CoviaError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert copy.args == error.args
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def _raise_in_worker(index: int) -> None:
    raise _one_of_each()[index]


def test_errors_raised_in_a_process_pool_worker_reach_the_caller_whole() -> None:
    # Before errors pickled, the first one that could not be rebuilt broke the pool.
    errors = _one_of_each()
    with ProcessPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(_raise_in_worker, i) for i in range(len(errors))]
        for future, error in zip(futures, errors, strict=True):
            raised = future.exception(timeout=60)
            assert type(raised) is type(error)
            assert vars(raised) == vars(error)
