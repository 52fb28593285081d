"""The benchmarks' canned server: its content route sends the right bytes, from its
file, and keeps the connection for the next request."""

from __future__ import annotations

import requests

from benchmarks.canned_server import BLOCK, STATUS_BODY, asset_id_for, running


def _expected(size: int) -> bytes:
    return (BLOCK * (size // len(BLOCK) + 1))[:size]


def test_content_of_any_size_then_the_next_request_on_the_same_connection() -> None:
    with running() as url, requests.Session() as session:
        # Growing and shrinking sizes: the file grows once and serves every size after.
        for size in (100, 3 * len(BLOCK) + 7, 0, len(BLOCK), 300_000, 1):
            answer = session.get(f"{url}/api/v1/assets/{asset_id_for(size)}/content")
            assert answer.status_code == 200
            assert answer.content == _expected(size)
            status = session.get(f"{url}/api/v1/status")
            assert status.content == STATUS_BODY
