"""Shared Hypothesis strategies for the parser fuzz tests of every endpoint module.

Every parser must turn ANY response into a model or a ``CoviaError``: nothing from
json, cattrs or the standard library may escape.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaError
from covia_proto.http import Headers, Response

ENDPOINT = Endpoint("https://venue.example.com")

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "status",
                    "items",
                    "total",
                    "offset",
                    "limit",
                    "error",
                    "op",
                    "prev",
                    "jsonrpc",
                    "result",
                    "code",
                    "message",
                    "name",
                    "asset",
                    "stats",
                    "service",
                    "@context",
                    "verificationMethod",
                    "queueDepth",
                    "mcp_version",
                    "content",
                ]
            )
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)

statuses = st.sampled_from([200, 201, 202, 204, 400, 401, 404, 409, 429, 500, 502]) | st.integers(
    0, 999
)

header_values = st.text(max_size=30) | st.sampled_from(
    [
        "application/json",
        "text/plain",
        "text/html",
        "text/event-stream",
        "Wed, 21 Oct 2026 07:28:00 GMT",
        "5",
        "\u00b2",
        "0x" + "ab" * 32,
        '"' + "ab" * 32 + '"',
        "/api/v1/assets/" + "cd" * 32,
    ]
)
headers: st.SearchStrategy[Headers] = st.lists(
    st.tuples(
        st.sampled_from(["Content-Type", "Retry-After", "Date", "ETag", "Location"]),
        header_values,
    ),
    max_size=4,
).map(tuple)

bodies = st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())


def sse_framed(value: Any) -> bytes:
    return b"event: message\ndata: " + json.dumps(value).encode() + b"\n\n"


responses = st.builds(Response, statuses, headers, bodies)


def only_covia_errors(parse: Callable[[Response], Any], response: Response) -> None:
    """Call ``parse``; a ``CoviaError`` is fine, any other exception fails the test."""
    with contextlib.suppress(CoviaError):
        parse(response)
