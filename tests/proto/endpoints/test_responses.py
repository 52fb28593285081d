"""Tests of response reading: errors in every shape, Retry-After, strict JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest

from covia_proto.endpoints.responses import (
    ErrorContext,
    as_page,
    check,
    error_for,
    error_message,
    expect_empty,
    is_missing_route,
    parse_json,
    parse_model,
    parse_retry_after,
)
from covia_proto.errors import (
    AssetNotFoundError,
    GridError,
    JobNotFoundError,
    NotFoundError,
    RateLimitError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.http import Response, ResponseHead
from covia_proto.models import VenueStatus

REQ = RequestInfo("PUT", "https://venue.example.com/api/v1/jobs/ab/cancel")
JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)
TEXT_CT = (("Content-Type", "text/plain"),)
HTML_CT = (("Content-Type", "text/html; charset=UTF-8"),)

PROXY_PAGE = b"""<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"""


@pytest.mark.parametrize(
    ("status", "headers", "body", "message"),
    [
        (400, JSON_CT, b'{"error":"Negative limit"}', "Negative limit"),
        (404, JSON_CT, b'{"error":"Asset not found: ab"}', "Asset not found: ab"),
        (400, JSON_CT, b'{"error":{"message":"nested","code":7}}', "nested"),
        (422, JSON_CT, b'{"message":"by message"}', "by message"),
        (422, JSON_CT, b'{"detail":"by detail"}', "by detail"),
        (400, JSON_CT, b'"a JSON string"', "a JSON string"),
        (401, TEXT_CT, b"Authentication required", "Authentication required"),
        (401, TEXT_CT, b"Invalid or expired token", "Invalid or expired token"),
        (
            500,
            TEXT_CT,
            b"Unexpected error: java.lang.NullPointerException",
            "Unexpected error: java.lang.NullPointerException",
        ),
        (404, TEXT_CT, b"", "Not Found"),
        (500, (), b"", "Internal Server Error"),
        (599, (), b"  ", "HTTP 599"),
        (502, HTML_CT, PROXY_PAGE, "502 Bad Gateway"),
        (
            503,
            (),
            b"<html><body><p>Service &amp; friends\n down</p></body></html>",
            "Service & friends down",
        ),
        (500, TEXT_CT, b"{not json", "{not json"),
        (500, JSON_CT, b'{"error":""}', '{"error":""}'),
        (500, TEXT_CT, b"bad \xff byte", "bad \ufffd byte"),
    ],
)
def test_error_message_in_every_shape(
    status: int, headers: tuple[tuple[str, str], ...], body: bytes, message: str
) -> None:
    assert error_message(status, headers, body) == message


def test_error_message_is_shortened() -> None:
    message = error_message(500, TEXT_CT, b"x" * 5000)
    assert len(message) == 300
    assert message.endswith("…")


def test_error_message_survives_absurdly_nested_json() -> None:
    body = b'{"error":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert error_message(500, JSON_CT, body).startswith('{"error":[[[')


def test_error_for_plain_json_error() -> None:
    err = error_for(Response(400, JSON_CT, b'{"error":"Invalid offset or limit"}'), request=REQ)
    assert type(err) is GridError
    assert err.status_code == 400
    assert err.message == "Invalid offset or limit"
    assert err.body == b'{"error":"Invalid offset or limit"}'
    assert err.headers == JSON_CT
    assert str(err) == f"{REQ}: 400 Invalid offset or limit"


def test_empty_404_on_cancel_is_job_not_found() -> None:
    err = error_for(Response(404, TEXT_CT, b""), request=REQ, context=ErrorContext.job("ab"))
    assert isinstance(err, JobNotFoundError)
    assert err.job_id == "ab"
    assert err.message == "Not Found"
    assert str(err).startswith("PUT https://venue.example.com/api/v1/jobs/ab/cancel")


def test_404_for_an_asset_is_asset_not_found() -> None:
    err = error_for(
        Response(404, JSON_CT, b'{"error":"Asset did not have any content available: ab"}'),
        context=ErrorContext.asset("ab"),
    )
    assert isinstance(err, AssetNotFoundError)
    assert err.asset_id == "ab"


def test_404_without_context_is_plain_not_found() -> None:
    err = error_for(Response(404, JSON_CT, b'{"error":"Operation not found: x"}'))
    assert type(err) is NotFoundError


@pytest.mark.parametrize(
    "context", [ErrorContext.job("ab"), ErrorContext.asset("ab"), ErrorContext()]
)
def test_missing_route_is_never_a_missing_resource(context: ErrorContext) -> None:
    body = b'{"error":"Endpoint POST /api/v1/run not found"}'
    err = error_for(Response(404, JSON_CT, body), context=context)
    assert type(err) is NotFoundError
    assert is_missing_route(err)
    assert is_missing_route(err.message)


@pytest.mark.parametrize(
    ("subject", "missing"),
    [
        ("Endpoint POST /api/v1/run not found", True),
        ("Endpoint GET /api/v1/values/read not found", True),
        ("Job not found: ab", False),
        ("Not Found", False),
        ("Asset not found: Endpoint x not found?", False),
        (GridError(404, "Endpoint GET /api/v1/agents not found"), True),
        (GridError(404, "Secret not found: x"), False),
        (GridError(405, "Method Not Allowed"), True),
        (GridError(501, "Not Implemented"), True),
        (GridError(400, "Endpoint GET /x not found"), False),
        (GridError(500, "Endpoint GET /x not found"), False),
    ],
)
def test_is_missing_route(subject: str | GridError, missing: bool) -> None:
    assert is_missing_route(subject) is missing


def test_429_with_retry_after_seconds() -> None:
    headers = (*JSON_CT, ("Retry-After", "7"))
    err = error_for(Response(429, headers, b'{"error":"Rate limit exceeded"}'))
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 7.0
    assert err.message == "Rate limit exceeded"


def test_429_with_retry_after_http_date_relative_to_date_header() -> None:
    headers = (
        ("Date", "Wed, 21 Oct 2026 07:28:00 GMT"),
        ("Retry-After", "Wed, 21 Oct 2026 07:28:30 GMT"),
    )
    err = error_for(Response(429, headers, b""))
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 30.0
    assert err.message == "Too Many Requests"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((), None),
        ((("Retry-After", "0"),), 0.0),
        ((("retry-after", " 120 "),), 120.0),
        ((("Retry-After", "1.5"),), None),
        ((("Retry-After", "-3"),), None),
        ((("Retry-After", "soon"),), None),
        ((("Retry-After", "\u00b2"),), None),  # a superscript digit is not a number
        ((("Retry-After", "\u0663"),), None),  # nor an Arabic-Indic one
        # An HTTP date with no Date header to measure it against: no hint.
        ((("Retry-After", "Wed, 21 Oct 2026 07:28:30 GMT"),), None),
        # A date in the past: retry now.
        (
            (
                ("Date", "Wed, 21 Oct 2026 07:28:00 GMT"),
                ("Retry-After", "Wed, 21 Oct 2026 07:27:00 GMT"),
            ),
            0.0,
        ),
        ((("Date", "garbage"), ("Retry-After", "Wed, 21 Oct 2026 07:27:00 GMT")), None),
        (
            (
                ("Date", "Wed, 21 Oct 2026 07:28:00 GMT"),
                # Not an HTTP date (RFC 9110 §5.6.7 dates are always GMT): no hint.
                ("Retry-After", "Wed, 21 Oct 2026 08:28:00 +0100"),
            ),
            None,
        ),
    ],
)
def test_parse_retry_after(headers: tuple[tuple[str, str], ...], expected: float | None) -> None:
    assert parse_retry_after(ResponseHead(429, headers)) == expected


def test_error_for_a_head_with_separately_read_body() -> None:
    err = error_for(
        ResponseHead(404, JSON_CT),
        b'{"error":"Asset not found: ab"}',
        context=ErrorContext.asset("ab"),
    )
    assert isinstance(err, AssetNotFoundError)
    assert err.body == b'{"error":"Asset not found: ab"}'


def test_check() -> None:
    ok = Response(202, JSON_CT, b"{}")
    assert check(ok) is ok
    with pytest.raises(GridError, match="409 Job is not paused: STARTED"):
        check(Response(409, JSON_CT, b'{"error":"Job is not paused: STARTED"}'), request=REQ)
    for status in (100, 199, 301, 304, 399):
        with pytest.raises(VenueProtocolError, match=f"unexpected HTTP status {status}"):
            check(Response(status), request=REQ)


def test_expect_empty() -> None:
    expect_empty(Response(200, TEXT_CT, b""))  # no exception
    with pytest.raises(JobNotFoundError) as info:
        expect_empty(Response(404), context=ErrorContext.job("cd"))
    assert info.value.job_id == "cd"


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"a":1}', {"a": 1}),
        (b"\xef\xbb\xbf[1,2]", [1, 2]),
        (b'"0xab"', "0xab"),
        (b" null ", None),
        (b'{"a":1}\r\n', {"a": 1}),
        (b"\t[1]", [1]),
        ('{"é":"✓"}'.encode(), {"é": "✓"}),
    ],
)
def test_parse_json(body: bytes, value: Any) -> None:
    assert parse_json(body) == value


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "body is empty"),
        (b"   ", "body is empty"),
        (b"{", "malformed JSON"),
        (b'{"a":1} x', "malformed JSON"),
        (b"[1] [2]", "malformed JSON (Extra data at 4)"),
        (b"\xff\xfe", "not valid UTF-8 (byte 0)"),
        (b"NaN", "NaN is not valid JSON"),
        (b"[Infinity]", "Infinity is not valid JSON"),
        (b"-Infinity", "not valid JSON"),
        (b"{'a': 1}", "malformed JSON"),
        (b"1" * 5000, "body"),
        (b"[" * 100_000 + b"]" * 100_000, "body"),
    ],
)
def test_parse_json_rejects(body: bytes, fragment: str) -> None:
    with pytest.raises(VenueProtocolError, match=re.escape(fragment)) as info:
        parse_json(body, request=REQ)
    assert info.value.request is REQ


def test_parse_model() -> None:
    status = parse_model(Response(200, JSON_CT, b'{"status":"OK","ts":1}'), VenueStatus)
    assert (status.status, status.ts) == ("OK", 1)
    with pytest.raises(VenueProtocolError, match="VenueStatus document is malformed") as info:
        parse_model(Response(200, JSON_CT, b'{"status":'), VenueStatus, request=REQ)
    assert str(info.value).startswith(str(REQ))
    with pytest.raises(VenueProtocolError, match="expected an integer") as info:
        parse_model(Response(200, JSON_CT, b'{"ts":"1"}'), VenueStatus, request=REQ)
    assert info.value.request is REQ
    prepared = parse_model(
        Response(200, JSON_CT, b'"OK"'), VenueStatus, prepare=lambda d: {"status": d}
    )
    assert prepared.status == "OK"


def test_parse_json_refuses_nesting_deeper_than_the_limit_in_force() -> None:
    from covia_proto.limits import Limits, applied_limits

    body = b'{"a":' * 5 + b"1" + b"}" * 5
    assert parse_json(body, max_depth=5) == {"a": {"a": {"a": {"a": {"a": 1}}}}}
    with pytest.raises(VenueProtocolError, match=r"nested too deeply \(max_json_depth is 4\)"):
        parse_json(body, request=REQ, max_depth=4)
    with applied_limits(Limits(max_json_depth=4)):
        with pytest.raises(VenueProtocolError, match="max_json_depth is 4") as info:
            parse_json(body, request=REQ)
        assert parse_json(body, max_depth=5)["a"]["a"]["a"]["a"] == {"a": 1}
    assert info.value.request is REQ
    # The defaults: a long-lived job's record nests hundreds deep, and parses.
    deep = b"[" * 700 + b"]" * 700
    assert parse_json(deep) == parse_json(deep, max_depth=700)
    with pytest.raises(VenueProtocolError, match="max_json_depth is 800"):
        parse_json(b"[" * 801 + b"]" * 801)
    # Too short to nest deeper than the limit unless malformed: refused as that.
    with pytest.raises(VenueProtocolError, match="malformed JSON"):
        parse_json(b"[" * 8, request=REQ, max_depth=4)


def test_an_error_body_nested_too_deeply_is_read_as_text() -> None:
    from covia_proto.limits import Limits, applied_limits

    body = b'{"error":{"message":"deep"}}'
    assert error_for(Response(400, JSON_CT, body), request=REQ).message == "deep"
    with applied_limits(Limits(max_json_depth=1)):
        error = error_for(Response(400, JSON_CT, body), request=REQ)
    assert error.message == body.decode()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_reported_with_where_it_pointed(status: int) -> None:
    from covia_proto.endpoints.responses import unexpected_status

    head = ResponseHead(status, (("Location", "https://elsewhere.example/x"),))
    error = unexpected_status(head, request=REQ)
    assert f"status {status}: a redirect to https://elsewhere.example/x," in str(error)
    assert "does not follow" in str(error)
    with pytest.raises(VenueProtocolError, match="a redirect to https://elsewhere"):
        check(Response(status, head.headers), request=REQ)
    assert "302: a redirect, which" in str(unexpected_status(ResponseHead(302, ()), request=REQ))
    assert str(unexpected_status(ResponseHead(100, ()))) == "unexpected HTTP status 100"


def test_as_page_takes_a_flat_array_or_an_envelope_with_items() -> None:
    assert as_page(["a", "b"]) == {"items": ["a", "b"], "total": 2, "offset": 0}
    envelope = {"items": [], "total": 0, "offset": 0}
    assert as_page(envelope) is envelope


def test_as_page_refuses_an_object_without_items() -> None:
    # A job record answered to a listing was read as an empty page.
    with pytest.raises(VenueProtocolError, match="no items"):
        as_page({"id": "ab" * 16, "status": "COMPLETE"})
