from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import attrs
import pytest

from covia_proto.asset_id import asset_id
from covia_proto.errors import (
    AssetIdMismatchError,
    AssetNotFoundError,
    ContentHashError,
    CoviaConnectionError,
    CoviaUsageError,
    VenueProtocolError,
)
from covia_proto.flows.assets import (
    download_content,
    register_asset,
    stream_content,
    upload_content,
)
from covia_proto.flows.drive import iterate
from covia_proto.http import Response, ResponseHead
from covia_proto.testing.scripted import ScriptedDriver, StreamScript
from tests.proto.flows.canned import BASE, context, json_response

DATA = b"sepal_length,sepal_width\n5.1,3.5\n"
SHA = hashlib.sha256(DATA).hexdigest()
METADATA = {"name": "Iris", "content": {"sha256": "0x" + SHA.upper(), "contentType": "text/csv"}}
ASSET = asset_id(METADATA)  # the venue's id: metadata is checked against it


def metadata_response(metadata: Mapping[str, object] = METADATA) -> Response:
    return Response(200, (("Content-Type", "text/plain"),), json.dumps(metadata, indent=2).encode())


def content_stream(*chunks: bytes, headers: tuple[tuple[str, str], ...] = ()) -> StreamScript:
    head = ResponseHead(200, (("Content-Type", "text/csv"), ("filename", "iris.csv"), *headers))
    return StreamScript(head, list(chunks))


def test_register_posts_then_reads_back_the_venues_copy():
    driver = ScriptedDriver(
        [json_response(201, ASSET, (("Location", f"/api/v1/assets/{ASSET}"),)), metadata_response()]
    )
    document = driver.run(register_asset(context(), METADATA))
    assert document.id == ASSET
    assert document.metadata.name == "Iris"
    assert document.text == json.dumps(METADATA, indent=2)
    assert driver.calls == [
        ("POST", f"{BASE}/api/v1/assets"),
        ("GET", f"{BASE}/api/v1/assets/{ASSET}"),
    ]
    assert json.loads(driver.requests[0].body) == METADATA


def test_register_is_retried_because_the_venue_makes_it_idempotent():
    driver = ScriptedDriver(
        [CoviaConnectionError("reset", sent=True), json_response(201, ASSET), metadata_response()]
    )
    assert driver.run(register_asset(context(), METADATA)).id == ASSET
    assert [m for m, _ in driver.calls] == ["POST", "POST", "GET"]


def test_register_refuses_a_venue_that_answers_another_id():
    other = asset_id({"name": "Something else"})
    driver = ScriptedDriver([json_response(201, other)])
    with pytest.raises(AssetIdMismatchError) as info:
        driver.run(register_asset(context(), METADATA))
    assert (info.value.expected, info.value.actual) == (ASSET, other)
    assert info.value.request is not None
    assert info.value.request.method == "POST"
    assert len(driver.requests) == 1  # nothing is read back under the wrong id


def test_register_refuses_a_venue_that_serves_other_metadata_back():
    tampered = metadata_response({**METADATA, "name": "Not Iris"})
    driver = ScriptedDriver([json_response(201, ASSET), tampered])
    with pytest.raises(AssetIdMismatchError) as info:
        driver.run(register_asset(context(), METADATA))
    assert info.value.expected == ASSET
    assert info.value.actual == asset_id({**METADATA, "name": "Not Iris"})


def test_register_without_verification_trusts_the_venue():
    other = "7a" * 32
    driver = ScriptedDriver([json_response(201, other), metadata_response()])
    unchecked = attrs.evolve(context(), verify_asset_ids=False)
    assert driver.run(register_asset(unchecked, METADATA)).id == other


def test_register_refuses_before_sending_what_the_venue_cannot_read():
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError, match="cannot read the number"):
        driver.run(register_asset(context(), {"x": 0.1 + 0.2}))
    assert driver.requests == []


def test_download_refuses_metadata_that_is_not_the_assets():
    tampered = metadata_response({**METADATA, "content": {"sha256": "00" * 32}})
    driver = ScriptedDriver([tampered])
    with pytest.raises(AssetIdMismatchError):
        driver.run(download_content(context(), ASSET))
    assert len(driver.requests) == 1  # no content is fetched on the word of false metadata


def test_download_checks_the_declared_hash_and_emits_chunks():
    driver = ScriptedDriver([metadata_response(), content_stream(DATA[:10], DATA[10:])])
    result = driver.run(download_content(context(), ASSET))
    assert b"".join(driver.emitted) == DATA
    assert driver.emitted == [DATA[:10], DATA[10:]]
    assert result.sha256 == SHA
    assert result.verified
    assert result.size == len(DATA)
    assert result.file_name == "iris.csv"
    assert result.content_type == "text/csv"
    assert driver.calls[1] == ("GET", f"{BASE}/api/v1/assets/{ASSET}/content")


def test_download_with_a_known_hash_skips_the_metadata_request():
    driver = ScriptedDriver([content_stream(DATA)])
    driver.run(download_content(context(), ASSET, expected_sha256=SHA))
    assert len(driver.requests) == 1


def test_download_of_content_that_does_not_match_raises_after_the_last_chunk():
    driver = ScriptedDriver([content_stream(b"tampered")])
    with pytest.raises(ContentHashError) as info:
        driver.run(download_content(context(), ASSET, expected_sha256=SHA))
    assert info.value.expected == SHA
    assert info.value.actual == hashlib.sha256(b"tampered").hexdigest()
    assert driver.open_streams == 0


def test_download_shorter_than_its_content_length_is_an_error():
    driver = ScriptedDriver(
        [content_stream(DATA[:5], headers=(("Content-Length", str(len(DATA))),))]
    )
    with pytest.raises(VenueProtocolError, match="ended after 5"):
        driver.run(download_content(context(), ASSET, verify=False))


def test_download_of_an_asset_without_content_is_asset_not_found():
    missing = StreamScript(
        ResponseHead(404, (("Content-Type", "application/json"),)),
        [b'{"error":"Asset did not have any content available: 7a"}'],
    )
    driver = ScriptedDriver([missing])
    with pytest.raises(AssetNotFoundError) as info:
        driver.run(download_content(context(), "0x" + ASSET.upper(), verify=False))
    assert info.value.asset_id == ASSET
    assert "content available" in info.value.message
    assert driver.open_streams == 0


def test_a_bad_expected_hash_is_a_usage_error():
    with pytest.raises(CoviaUsageError):
        ScriptedDriver([]).run(download_content(context(), ASSET, expected_sha256="abc"))


def test_upload_returns_the_stored_hash_and_checks_it_against_the_bytes():
    driver = ScriptedDriver([json_response(200, "0x" + SHA)])
    assert driver.run(upload_content(context(), ASSET, DATA, content_type="text/csv")) == SHA
    request = driver.requests[0]
    assert (request.method, request.body) == ("PUT", DATA)
    assert request.header("Content-Type") == "text/csv"


def test_upload_answered_with_another_hash_is_caught():
    driver = ScriptedDriver([json_response(200, "0x" + "00" * 32)])
    with pytest.raises(ContentHashError):
        driver.run(upload_content(context(), ASSET, DATA))


def test_upload_mismatch_reported_by_the_venue_is_a_grid_error_with_its_message():
    message = f"Cannot PUT asset content: Content hash mismatch. Expected: {SHA}, Actual: 00"
    driver = ScriptedDriver([json_response(400, {"error": message})])
    with pytest.raises(Exception, match="Content hash mismatch") as info:
        driver.run(upload_content(context(), ASSET, b"x"))
    assert getattr(info.value, "status_code", None) == 400


def test_download_for_memory_stops_past_max_size_and_closes_the_stream():
    size = len(DATA)
    driver = ScriptedDriver([content_stream(DATA[:10], DATA[10:])])
    driver.run(download_content(context(), ASSET, expected_sha256=SHA, max_size=size))
    assert b"".join(driver.emitted) == DATA
    driver = ScriptedDriver([content_stream(DATA[:10], DATA[10:], DATA)])
    with pytest.raises(VenueProtocolError, match=rf"max_body_size \({size} bytes\)"):
        driver.run(download_content(context(), ASSET, expected_sha256=SHA, max_size=size))
    assert b"".join(driver.emitted) == DATA  # nothing past the limit was handed over
    assert driver.open_streams == 0


def test_download_for_memory_refuses_a_declared_length_over_max_size():
    head = ResponseHead(200, (("Content-Length", str(len(DATA))),))
    driver = ScriptedDriver([StreamScript(head, [DATA])])
    with pytest.raises(VenueProtocolError, match="max_body_size"):
        driver.run(download_content(context(), ASSET, expected_sha256=SHA, max_size=10))
    assert driver.emitted == []
    assert driver.open_streams == 0


class CountingSha256:
    """A context's hasher counting the bytes it is given and the times it is closed."""

    hashed = 0
    closed = 0

    def __init__(self) -> None:
        self._inner = hashlib.sha256()

    def update(self, data: bytes) -> None:
        CountingSha256.hashed += len(data)
        self._inner.update(data)

    def hexdigest(self) -> str:
        return self._inner.hexdigest()

    def close(self) -> None:
        CountingSha256.closed += 1


@pytest.fixture
def counted() -> type[CountingSha256]:
    CountingSha256.hashed = CountingSha256.closed = 0
    return CountingSha256


def test_streamed_content_with_nothing_to_check_is_not_hashed(counted):
    undeclared = {"name": "Iris, no hash", "content": {"contentType": "text/csv"}}
    driver = ScriptedDriver([metadata_response(undeclared), content_stream(DATA)])
    assert driver.run(stream_content(context(hasher=counted), asset_id(undeclared))) is False
    driver = ScriptedDriver([content_stream(DATA[:10], DATA[10:])])
    assert driver.run(stream_content(context(hasher=counted), ASSET, verify=False)) is False
    assert b"".join(driver.emitted) == DATA
    assert counted.hashed == 0


def test_streamed_content_is_checked_against_a_declared_or_expected_hash(counted):
    driver = ScriptedDriver([metadata_response(), content_stream(DATA[:10], DATA[10:])])
    assert driver.run(stream_content(context(hasher=counted), ASSET)) is True
    assert counted.hashed == len(DATA)
    driver = ScriptedDriver([content_stream(b"tampered")])
    with pytest.raises(ContentHashError):
        driver.run(stream_content(context(hasher=counted), ASSET, expected_sha256=SHA))
    assert driver.open_streams == 0


def test_a_download_reports_the_hash_even_with_nothing_to_check_it_against():
    driver = ScriptedDriver([content_stream(DATA)])
    result = driver.run(download_content(context(), ASSET, verify=False))
    assert (result.sha256, result.verified) == (SHA, False)


def test_the_contexts_hasher_makes_the_digest_and_is_closed_when_the_download_ends(counted):
    driver = ScriptedDriver([content_stream(DATA[:10], DATA[10:])])
    result = driver.run(download_content(context(hasher=counted), ASSET, verify=False))
    assert (result.sha256, counted.hashed, counted.closed) == (SHA, len(DATA), 1)


@pytest.mark.parametrize(
    "ending",
    ["hash mismatch", "too large", "short content", "consumer gone"],
)
def test_the_hasher_is_closed_however_the_download_ends(counted, ending):
    hashing = context(hasher=counted)
    if ending == "consumer gone":
        driver = ScriptedDriver([content_stream(DATA[:10], DATA[10:])])
        chunks = iterate(download_content(hashing, ASSET, verify=False), driver.perform)
        assert next(chunks) == DATA[:10]
        chunks.close()
    else:
        flow, raised = {
            "hash mismatch": (
                download_content(hashing, ASSET, expected_sha256="00" * 32),
                ContentHashError,
            ),
            "too large": (
                download_content(hashing, ASSET, verify=False, max_size=10),
                VenueProtocolError,
            ),
            "short content": (
                download_content(hashing, ASSET, verify=False),
                VenueProtocolError,
            ),
        }[ending]
        # Declared one byte longer than sent: the content ends short.
        declared = (("content-length", str(len(DATA) + 1)),) if ending == "short content" else ()
        driver = ScriptedDriver([content_stream(DATA, headers=declared)])
        with pytest.raises(raised):
            driver.run(flow)
    assert counted.closed == 1
    assert driver.open_streams == 0
