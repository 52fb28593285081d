"""Tests of the plain request/response values and of header redaction."""

from __future__ import annotations

import attrs
import pytest

from covia_proto.errors import CoviaUsageError, RequestInfo
from covia_proto.http import (
    Request,
    Response,
    ResponseHead,
    check_header,
    check_headers,
    header_value,
    is_event_stream,
    is_sensitive_header,
    make_headers,
    media_type,
    redact_headers,
)

URL = "https://venue.example/api/v1/status"


def test_make_headers_from_mapping_and_pairs() -> None:
    assert make_headers({"Accept": "application/json", "X-N": "1"}) == (
        ("Accept", "application/json"),
        ("X-N", "1"),
    )
    assert make_headers([("A", "1"), ("A", "2")]) == (("A", "1"), ("A", "2"))
    assert make_headers({}) == ()


def test_header_value_is_case_insensitive_and_first_wins() -> None:
    headers = (("Content-Type", "text/plain"), ("content-type", "application/json"))
    assert header_value(headers, "CONTENT-TYPE") == "text/plain"
    assert header_value(headers, "Location") is None
    assert header_value((), "x") is None


@pytest.mark.parametrize(
    "name",
    ["Authorization", "authorization", "Proxy-Authorization", "Cookie", "SET-COOKIE", "X-Api-Key"],
)
def test_redact_headers_hides_credentials(name: str) -> None:
    redacted = redact_headers(((name, "s3cr3t"), ("Accept", "application/json")))
    assert redacted == ((name, "***"), ("Accept", "application/json"))


@pytest.mark.parametrize(
    ("method", "idempotent"),
    [
        ("GET", True),
        ("HEAD", True),
        ("PUT", True),
        ("DELETE", True),
        ("OPTIONS", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_request_idempotent_by_method(method: str, idempotent: bool) -> None:
    assert Request(method, URL).idempotent is idempotent


def test_request_idempotent_can_be_overridden() -> None:
    assert Request("POST", URL, idempotent=True).idempotent is True
    assert Request("GET", URL, idempotent=False).idempotent is False


def test_request_defaults_header_and_info() -> None:
    request = Request("GET", URL, (("Accept", "application/json"),))
    assert request.body == b""
    assert request.header("accept") == "application/json"
    assert request.header("Authorization") is None
    assert request.info == RequestInfo("GET", URL)


def test_request_info_is_made_once_and_follows_evolve() -> None:
    request = Request("GET", URL)
    assert request.info is request.info
    moved = attrs.evolve(request, method="DELETE", url=URL + "/x")
    assert moved.info == RequestInfo("DELETE", URL + "/x")
    # Not part of equality or the repr: two equal requests stay equal.
    assert Request("GET", URL) == request
    assert "info" not in repr(request)


def test_request_repr_redacts_authorization_and_hides_body() -> None:
    request = Request(
        "PUT",
        URL,
        (("Authorization", "Bearer s3cr3t"), ("Accept", "application/json")),
        b'{"value":"hunter2"}',
    )
    text = repr(request)
    assert "s3cr3t" not in text
    assert "hunter2" not in text
    assert "'Authorization', '***'" in text
    assert "<19 bytes>" in text
    assert str(request) == text
    # The value itself is still there for the driver to send.
    assert request.header("authorization") == "Bearer s3cr3t"


def test_values_are_frozen() -> None:
    request = Request("GET", URL)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.url = "https://elsewhere"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Response(200).status = 500  # type: ignore[misc]


def test_response_header_and_head() -> None:
    response = Response(201, (("Location", "/api/v1/jobs/ab"),), b"{}")
    assert response.header("location") == "/api/v1/jobs/ab"
    assert response.head == ResponseHead(201, (("Location", "/api/v1/jobs/ab"),))
    assert response.head.header("LOCATION") == "/api/v1/jobs/ab"
    assert Response(204).body == b""


def test_response_repr_redacts_cookies() -> None:
    headers = (("Set-Cookie", "session=s3cr3t"), ("Content-Type", "text/plain"))
    assert "s3cr3t" not in repr(Response(200, headers, b"ok"))
    assert "s3cr3t" not in repr(ResponseHead(200, headers))
    assert "text/plain" in repr(Response(200, headers, b"ok"))


@pytest.mark.parametrize(
    "name",
    [
        "X-Auth-Token",
        "Api-Key",
        "X-Access-Token",
        "X-Client-Secret",
        "X-Session-Id",
        "X-Signature",
        "X-Password",
        "Cookie2",
        "X-Amz-Security-Token",
        "X-JWT",
    ],
)
def test_credential_looking_custom_headers_are_redacted(name: str) -> None:
    assert is_sensitive_header(name)
    assert is_sensitive_header(name.upper())
    request = Request("GET", URL, headers=((name, "s3cr3t"), ("Accept", "text/plain")))
    assert "s3cr3t" not in repr(request)
    assert "text/plain" in repr(request)  # the rest stays readable


@pytest.mark.parametrize("name", ["Accept", "Content-Type", "User-Agent", "Last-Event-ID"])
def test_ordinary_headers_are_shown(name: str) -> None:
    assert not is_sensitive_header(name)


@pytest.mark.parametrize(
    "value", ["plain", "", "with spaces\tand tab", "caf\xe9 (latin-1)", "!#$%&'()*+,-./:;<=>?@[]~"]
)
def test_values_http_can_carry_pass(value: str) -> None:
    check_header("X-Custom", value)


@pytest.mark.parametrize(
    "value", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b", "a\x1bb", "a\x7fb", "\u2603", "\udc00"]
)
def test_values_http_cannot_carry_are_refused_by_name_never_by_value(value: str) -> None:
    with pytest.raises(CoviaUsageError, match="header X-Custom has a value") as caught:
        check_header("X-Custom", "secret-" + value)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("name", ["", "Bad Name", "X:Y", "X\r\nY", "\u00e9t\u00e9", 7])
def test_names_that_are_not_tokens_are_refused(name: object) -> None:
    with pytest.raises(CoviaUsageError, match="header name"):
        check_header(name, "value")


def test_check_headers_checks_every_pair() -> None:
    check_headers([("A", "1"), ("B", "2")])
    with pytest.raises(CoviaUsageError, match="header B"):
        check_headers([("A", "1"), ("B", "\n")])
    with pytest.raises(CoviaUsageError, match="str value"):
        check_headers([("A", 1)])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("headers", "media", "events"),
    [
        ((("Content-Type", "text/event-stream"),), "text/event-stream", True),
        ((("content-type", " Text/Event-Stream ; charset=utf-8"),), "text/event-stream", True),
        ((("Content-Type", "application/json"),), "application/json", False),
        ((), "", False),
    ],
)
def test_media_type_and_event_streams(
    headers: tuple[tuple[str, str], ...], media: str, events: bool
) -> None:
    assert media_type(headers) == media
    assert is_event_stream(headers) is events
