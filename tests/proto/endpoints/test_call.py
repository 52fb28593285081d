"""Tests of Call: a request paired with its parser, which sees the request's info."""

from __future__ import annotations

import pytest

from covia_proto.endpoints.call import Call
from covia_proto.errors import GridError, RequestInfo
from covia_proto.http import Request, Response

URL = "https://venue.example.com/api/v1/status"


def test_parse_hands_the_response_and_request_info_to_the_parser() -> None:
    seen: list[tuple[Response, RequestInfo]] = []

    def parser(response: Response, info: RequestInfo) -> int:
        seen.append((response, info))
        return response.status

    call = Call(Request("GET", URL), parser)
    response = Response(204)
    assert call.parse(response) == 204
    assert seen == [(response, RequestInfo("GET", URL))]


def test_parser_errors_propagate_unchanged() -> None:
    def parser(response: Response, info: RequestInfo) -> None:
        raise GridError(response.status, "nope", request=info)

    call = Call(Request("POST", URL), parser)
    with pytest.raises(GridError, match=f"^POST {URL}: 500 nope$"):
        call.parse(Response(500))


def test_repr_shows_the_request_not_the_parser() -> None:
    call = Call(Request("GET", URL, (("Authorization", "Bearer s3cr3t"),)), lambda r, i: None)
    text = repr(call)
    assert "s3cr3t" not in text
    assert "parser" not in text
    assert URL in text
