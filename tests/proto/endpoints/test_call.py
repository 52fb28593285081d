"""Tests of Call: a request paired with its parser, which sees the request's info."""

from __future__ import annotations

from typing import Any

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


def test_parse_puts_the_limits_given_in_force_while_the_parser_runs() -> None:
    from covia_proto.limits import DEFAULT_LIMITS, Limits, limits_in_force

    seen: list[Limits] = []

    def parser(response: Response, info: RequestInfo) -> None:
        seen.append(limits_in_force())

    call = Call(Request("GET", URL), parser)
    small = Limits(max_json_depth=2)
    call.parse(Response(200, (), b""), small)
    call.parse(Response(200, (), b""))
    assert seen == [small, DEFAULT_LIMITS]
    assert limits_in_force() is DEFAULT_LIMITS


def test_a_parser_refuses_json_deeper_than_the_limits_given() -> None:
    from covia_proto.endpoints import status
    from covia_proto.endpoints.endpoint import Endpoint
    from covia_proto.errors import VenueProtocolError
    from covia_proto.limits import Limits

    call = status.get_status(Endpoint("https://venue.example.com"))
    body = b'{"status":"OK","extra":{"a":{"b":[1]}}}'  # depth 4
    assert call.parse(Response(200, (), body), Limits(max_json_depth=4)).status == "OK"
    with pytest.raises(VenueProtocolError, match="max_json_depth is 3") as info:
        call.parse(Response(200, (), body), Limits(max_json_depth=3))
    assert info.value.request == call.request.info


def _calls() -> dict[str, Call[Any]]:
    from covia_proto.endpoints import assets, discovery, jobs, jsonrpc, operations, status
    from tests.proto.endpoints.fuzz import ENDPOINT

    job, asset = "0a" * 16, "7a" * 32
    return {
        "status": status.get_status(ENDPOINT),
        "job": jobs.get_job(ENDPOINT, job),
        "invoke": jobs.invoke(ENDPOINT, "v/test/ops/echo", {"x": 1}),
        "jobs": jobs.list_jobs(ENDPOINT),
        "asset": assets.get_asset(ENDPOINT, asset),
        "assets": assets.list_assets(ENDPOINT),
        "operations": operations.list_operations(ENDPOINT),
        "did": discovery.get_did_document(ENDPOINT),
        "mcp": jsonrpc.mcp_call(ENDPOINT, "tools/list"),
    }


@pytest.mark.parametrize("name", sorted(_calls()))
def test_parsers_under_tight_limits_raise_only_covia_errors(name: str) -> None:
    from hypothesis import given, settings

    from covia_proto.limits import Limits
    from tests.proto.endpoints.fuzz import only_covia_errors, responses

    call = _calls()[name]
    tight = Limits(max_event_line=16, max_event_size=16, max_json_depth=1)

    @settings(max_examples=100, deadline=None)
    @given(responses)
    def check(response: Response) -> None:
        only_covia_errors(lambda r: call.parse(r, tight), response)

    check()
