"""Tests of the plain request/response values and of header redaction."""

from __future__ import annotations

import attrs
import pytest

from covia_proto.errors import RequestInfo
from covia_proto.http import (
    Request,
    Response,
    ResponseHead,
    header_value,
    make_headers,
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
