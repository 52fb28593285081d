"""The simulator's wire conventions: compact JSON, strict parsing, ids, base URLs."""

from __future__ import annotations

import io
import json

import pytest

from covia_proto.http import Request
from covia_proto.testing.wire import (
    BadJson,
    TooLongNumber,
    dumps,
    empty_response,
    external_base,
    json_error,
    json_response,
    parse_hex,
    parse_java_int,
    parse_json,
    read_all,
    text_response,
)


def test_dumps_is_compact_utf8_single_line() -> None:
    data = dumps({"a": [1, 2], "t": "line\nbreak é"})
    assert data == '{"a":[1,2],"t":"line\\nbreak é"}'.encode()
    assert b"\n" not in data


def test_parse_json_is_strict() -> None:
    assert parse_json(b'{"a": 1.0}') == {"a": 1.0}
    for bad in (b"{'a': 1}", b"[1,]", b"// c\n1", b"NaN", b"\xff", b""):
        with pytest.raises(BadJson):
            parse_json(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0xABcd", "abcd"),
        ("abcd", "abcd"),
        ("0XFF", "ff"),
        ("abc", None),
        ("0x", None),
        ("", None),
        ("zz", None),
        ("0x0g", None),
    ],
)
def test_parse_hex(text: str, expected: str | None) -> None:
    assert parse_hex(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("+5", 5),
        ("-3", -3),
        (" 5", None),
        ("1.5", None),
        ("5_0", None),
        ("2147483648", None),
        ("", None),
    ],
)
def test_parse_java_int(text: str, expected: int | None) -> None:
    assert parse_java_int(text) == expected


def test_responses_carry_cors_and_types() -> None:
    error = json_error(404, "x")
    assert json.loads(error.body) == {"error": "x"}
    assert error.header("Content-Type") == "application/json"  # errors: no charset (measured)
    assert json_response(200, 1).header("Content-Type") == "application/json;charset=utf-8"
    assert error.header("access-control-allow-origin") == "*"
    assert error.header("access-control-allow-private-network") == "true"
    assert text_response(401, "no").header("Content-Type") == "text/plain"
    assert empty_response(404).body == b""


def test_read_all_reads_in_chunks() -> None:
    data = bytes(200_000)
    assert read_all(io.BytesIO(data)) == data


def _req(*headers: tuple[str, str], url: str = "http://h:8080/api/v1/status") -> Request:
    return Request("GET", url, headers=headers)


def test_external_base_from_url_and_host() -> None:
    assert external_base(_req()) == "http://h:8080"
    assert external_base(_req(("Host", "other:1"))) == "http://other:1"
    assert external_base(_req(), "/api/v1") == "http://h:8080/api/v1"


def test_external_base_forwarded() -> None:
    request = _req(
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "v.example"),
        ("X-Forwarded-Port", "443"),
    )
    assert external_base(request) == "https://v.example"  # default port not added
    request = _req(
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "v.example"),
        ("X-Forwarded-Port", "8443"),
        ("X-Forwarded-Prefix", "/p/"),
    )
    # The prefix lands after the base path: the server's bug, reproduced.
    assert external_base(request, "/api/v1") == "https://v.example:8443/api/v1/p"
    assert external_base(request, with_extras=False) == "https://v.example"
    has_port = _req(("X-Forwarded-Host", "v:1"), ("X-Forwarded-Port", "2"))
    assert external_base(has_port) == "http://v:1"


@pytest.mark.parametrize(
    "data", [b"1e999", b"[" * 100_000 + b"]" * 100_000, b"1" * 5000, b'{"a": -1e400}']
)
def test_parse_json_refuses_what_cannot_round_trip(data: bytes) -> None:
    with pytest.raises(BadJson):
        parse_json(data)


def test_strict_json_reads_numbers_and_surrogates_as_the_venue_does() -> None:
    with pytest.raises(TooLongNumber):
        parse_json(b'{"n": 1.7976931348623157e308}')
    assert parse_json(b'{"n": 0.3000000000000000}') == {"n": 0.3}
    assert parse_json(b'{"\\ud800": "\\ud83d\\ude00"}') == {"?": "\U0001f600"}
