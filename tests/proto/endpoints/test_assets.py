"""Tests of the asset endpoints: list, register, metadata, content (venue-api.md §3.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.asset_id import asset_id_of_json
from covia_proto.converter import structure, unstructure
from covia_proto.endpoints import assets
from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import (
    AssetIdMismatchError,
    AssetNotFoundError,
    CoviaUsageError,
    GridError,
    NotFoundError,
    RequestInfo,
    VenueProtocolError,
)
from covia_proto.http import Response, ResponseHead
from covia_proto.models import AssetMetadata

from .fuzz import ENDPOINT, only_covia_errors, responses

BASE = "https://venue.example.com"
ID = "7a8b" * 16
SHA = "119e30db" * 8
JSON_CT = (("Content-Type", "application/json; charset=utf-8"),)
TEXT_CT = (("Content-Type", "text/plain"),)
DID_REF = "did:web:venue.example.com/a/" + ID


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        ({}, BASE + "/api/v1/assets"),
        ({"offset": 0}, BASE + "/api/v1/assets?offset=0"),
        ({"offset": 20, "limit": 10}, BASE + "/api/v1/assets?offset=20&limit=10"),
        ({"limit": 1000, "kind": "operation"}, BASE + "/api/v1/assets?limit=1000&kind=operation"),
    ],
)
def test_list_request(kwargs: dict[str, Any], url: str) -> None:
    request = assets.list_assets(ENDPOINT, **kwargs).request
    assert (request.method, request.url, request.body) == ("GET", url, b"")
    assert request.idempotent


@pytest.mark.parametrize(
    "kwargs",
    [
        {"offset": -1},
        {"limit": -1},
        {"limit": 1001},
        {"offset": True},
        {"limit": "10"},
        {"offset": 1.5},
    ],
)
def test_list_refuses_bad_paging(kwargs: dict[str, Any]) -> None:
    with pytest.raises(CoviaUsageError):
        assets.list_assets(ENDPOINT, **kwargs)


def test_parse_envelope() -> None:
    body = (
        b'{"total":130,"offset":0,"limit":2,"items":["'
        + ID.encode()
        + b'","0x'
        + SHA.upper().encode()
        + b'"]}'
    )
    page = assets.list_assets(ENDPOINT).parse(Response(200, JSON_CT, body))
    assert page.items == (ID, SHA)
    assert (page.total, page.offset, page.limit) == (130, 0, 2)


def test_parse_flat_array_of_very_old_venues() -> None:
    body = b'["0x' + ID.encode() + b'","' + SHA.encode() + b'"]'
    page = assets.parse_asset_list(Response(200, JSON_CT, body))
    assert page.items == (ID, SHA)
    assert (page.total, page.offset, page.limit) == (2, 0, None)


def test_parse_list_errors() -> None:
    with pytest.raises(GridError, match="400 Too many assets requested: 2000"):
        assets.parse_asset_list(
            Response(400, JSON_CT, b'{"error":"Too many assets requested: 2000"}')
        )
    with pytest.raises(VenueProtocolError, match="expected an array"):
        assets.parse_asset_list(Response(200, JSON_CT, b'{"items":"[]","total":0}'))
    with pytest.raises(VenueProtocolError):
        assets.parse_asset_list(Response(200, JSON_CT, b'"nope"'))


# --- register ---------------------------------------------------------------------------


def test_register_mapping_sends_compact_json() -> None:
    request = assets.register_asset(
        ENDPOINT, {"name": "Hamlet", "content": {"sha256": SHA}}
    ).request
    assert request.method == "POST"
    assert request.url == BASE + "/api/v1/assets"
    assert request.body == b'{"name":"Hamlet","content":{"sha256":"' + SHA.encode() + b'"}}'
    assert request.header("Content-Type") == "application/json"
    assert not request.idempotent


@pytest.mark.parametrize("text", ['{ "name" : "Hamlet" }\n', b'{"name":\t"Hamlet"}'])
def test_register_text_is_sent_verbatim(text: str | bytes) -> None:
    request = assets.register_asset(ENDPOINT, text).request
    assert request.body == (text.encode() if isinstance(text, str) else text)
    assert request.header("content-type") == "application/json"


@pytest.mark.parametrize("bad", ["{not json", "[1,2]", b'"str"', 42, None, ["a"]])
def test_register_refuses_what_is_not_a_json_object(bad: Any) -> None:
    with pytest.raises(CoviaUsageError):
        assets.register_asset(ENDPOINT, bad)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'"' + ID.encode() + b'"', JSON_CT),
        (b'"0x' + ID.encode() + b'"', JSON_CT),
        (b'"0X' + ID.upper().encode() + b'"', JSON_CT),
        (ID.encode() + b"\n", TEXT_CT),
        (b"", (("Location", "/api/v1/assets/" + ID),)),
        (b'""', (("Location", "/api/v1/assets/" + ID + "/"),)),
        (b"null", (("Location", BASE + "/api/v1/assets/0x" + ID),)),
    ],
)
def test_parse_registered_id(body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    call = assets.register_asset(ENDPOINT, {"name": "x"})
    assert call.parse(Response(201, headers, body)) == ID


@pytest.mark.parametrize(
    "response",
    [
        Response(201, JSON_CT, b'"not an id"'),
        Response(201, JSON_CT, b""),
        Response(201, (("Location", "/api/v1/assets/"),), b"{}"),
        Response(201, JSON_CT, b'"' + ID.encode()),  # truncated JSON string
    ],
)
def test_parse_registered_id_without_an_id(response: Response) -> None:
    with pytest.raises(VenueProtocolError):
        assets.parse_registered_id(response)


def test_register_error_is_a_grid_error() -> None:
    with pytest.raises(GridError, match="Unable to parse asset metadata"):
        assets.parse_registered_id(
            Response(400, JSON_CT, b'{"error":"Unable to parse asset metadata: x"}')
        )


# --- metadata ---------------------------------------------------------------------------

METADATA_TEXT = (
    '{\n  "name": "Iris Dataset",\n  "content": {"sha256": "0x'
    + SHA.upper()
    + '", "contentType": "text/csv"}\n}\n'
)
METADATA_ID = asset_id_of_json(METADATA_TEXT)


@pytest.mark.parametrize(
    ("ref", "segment"),
    [
        (ID, ID),
        ("0x" + ID.upper(), ID),
        (DID_REF, ID),  # content-addressed: asked for by its hash
        ("w/data/iris", "w%2Fdata%2Firis"),
    ],
)
def test_get_asset_request(ref: str, segment: str) -> None:
    request = assets.get_asset(ENDPOINT, ref).request
    assert request.method == "GET"
    assert request.url == f"{BASE}/api/v1/assets/{segment}"
    assert request.header("accept") == "application/json"


def test_metadata_text_is_kept_exactly() -> None:
    doc = assets.get_asset(ENDPOINT, "0x" + METADATA_ID.upper()).parse(
        Response(200, TEXT_CT, METADATA_TEXT.encode())
    )
    assert doc.id == METADATA_ID
    assert doc.text == METADATA_TEXT
    assert doc.data["name"] == "Iris Dataset"
    assert doc.metadata.name == "Iris Dataset"
    assert doc.metadata.content is not None
    assert doc.metadata.content.sha256 == SHA
    assert doc.metadata.content.content_type == "text/csv"
    assert doc.etag is None


@pytest.mark.parametrize("etag", [f'"{ID}"', f'"0x{ID.upper()}"', f'W/"{ID}"', ID])
def test_matching_etag(etag: str) -> None:
    doc = assets.get_asset(ENDPOINT, ID, verify=False).parse(
        Response(200, (*TEXT_CT, ("ETag", etag)), b'{"name":"x"}')
    )
    assert doc.etag == ID
    assert doc.id == ID


def test_etag_names_the_asset_of_a_reference() -> None:
    doc = assets.get_asset(ENDPOINT, "w/data/iris", verify=False).parse(
        Response(200, (("ETag", f'"{ID}"'),), b'{"name":"x"}')
    )
    assert doc.id == ID
    assert doc.etag == ID


def test_etag_mismatch_is_a_protocol_error() -> None:
    with pytest.raises(VenueProtocolError, match=f"venue sent asset {SHA} when asked for {ID}"):
        assets.get_asset(ENDPOINT, ID).parse(
            Response(200, (("ETag", f'"{SHA}"'),), b'{"name":"x"}')
        )


CONTENT_REFS = [f"a/{ID}", f"a/0x{ID.upper()}", f"did:web:venue.example.com/a/{ID}"]


@pytest.mark.parametrize("reference", CONTENT_REFS)
def test_a_content_reference_is_asked_for_by_its_hash(reference: str) -> None:
    # The hash names the same metadata everywhere; the 0.1 venue refuses references.
    call = assets.get_asset(ENDPOINT, reference)
    assert call.request.url.endswith(f"/api/v1/assets/{ID}")


@pytest.mark.parametrize("reference", CONTENT_REFS)
def test_a_content_reference_without_etag_has_the_hash_as_id(reference: str) -> None:
    call = assets.get_asset(ENDPOINT, reference, verify=False)
    doc = call.parse(Response(200, TEXT_CT, b'{"name":"x"}'))
    assert doc.id == ID


@pytest.mark.parametrize("reference", CONTENT_REFS)
def test_a_content_reference_answered_with_another_etag_is_a_protocol_error(
    reference: str,
) -> None:
    with pytest.raises(VenueProtocolError, match=f"venue sent asset {SHA} when asked for {ID}"):
        assets.get_asset(ENDPOINT, reference).parse(
            Response(200, (("ETag", f'"{SHA}"'),), b'{"name":"x"}')
        )


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (ID, ID),
        (f"0x{ID}", ID),
        (f"a/{ID}", ID),
        (f"did:key:z6Mk/a/{ID}", ID),
        ("w/data/iris", None),
        ("a/not-hex", None),
        (f"b/{ID}", None),
        (f"xa/{ID}", None),
    ],
)
def test_referenced_hash(reference: str, expected: str | None) -> None:
    assert assets.referenced_hash(reference) == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"[1]", "not a JSON object"),
        (b'"text"', "not a JSON object"),
        (b"{", "malformed"),
    ],
)
def test_bad_metadata(body: bytes, fragment: str) -> None:
    with pytest.raises(VenueProtocolError, match=fragment) as info:
        assets.get_asset(ENDPOINT, ID).parse(Response(200, TEXT_CT, body))
    assert info.value.request == RequestInfo("GET", f"{BASE}/api/v1/assets/{ID}")


@pytest.mark.parametrize(
    ("body", "typed"),
    [
        # The venue's own agent templates: an ``operation`` that is a string.
        (b'{"name":"Agent","operation":"v/ops/goaltree/chat"}', {"name": "Agent"}),
        (b'{"name": 5, "description": ["d"]}', {}),
        (b'{"content": "x", "operation": {"adapter": 3}}', {}),
        (b'{"content": {"sha256": "not hex", "size": "1 MB", "contentType": "text/csv"}}', {}),
    ],
)
def test_metadata_of_unexpected_shape_is_read_not_refused(
    body: bytes, typed: dict[str, Any]
) -> None:
    doc = assets.get_asset(ENDPOINT, ID, verify=False).parse(Response(200, TEXT_CT, body))
    assert doc.data == json.loads(body)  # the whole document, as the venue stored it
    assert doc.text == body.decode()
    assert typed == {k: getattr(doc.metadata, k) for k in typed}
    assert unstructure(doc.metadata) == json.loads(body)


def test_null_metadata_is_the_empty_asset() -> None:
    # The real venue registers a body of null as {} and then serves that asset as null.
    empty = asset_id_of_json("{}")  # null is served under the id of {}, and verifies
    doc = assets.get_asset(ENDPOINT, empty).parse(Response(200, TEXT_CT, b"null"))
    assert (doc.data, doc.text, doc.metadata) == ({}, "null", structure({}, AssetMetadata))


def test_an_agent_template_is_not_an_operation() -> None:
    body = b'{"name":"Agent","operation":"v/ops/goaltree/chat"}'
    doc = assets.get_asset(ENDPOINT, ID, verify=False).parse(Response(200, TEXT_CT, body))
    assert doc.metadata.operation is None
    assert doc.metadata.extra == {"operation": "v/ops/goaltree/chat"}
    assert not doc.metadata.is_operation


# --- metadata checked against its id (venue-api.md §5.1) -----------------------------------

OTHER_TEXT = METADATA_TEXT.replace("Iris Dataset", "Not Iris")


@pytest.mark.parametrize(
    "ref",
    [
        METADATA_ID,
        "0x" + METADATA_ID.upper(),
        "a/" + METADATA_ID,
        "/a/" + METADATA_ID,
        "did:web:venue.example.com/a/" + METADATA_ID,
    ],
)
def test_metadata_asked_for_by_hash_must_have_that_hash(ref: str) -> None:
    call = assets.get_asset(ENDPOINT, ref)
    assert call.parse(Response(200, TEXT_CT, METADATA_TEXT.encode())).text == METADATA_TEXT
    with pytest.raises(AssetIdMismatchError) as info:
        call.parse(Response(200, TEXT_CT, OTHER_TEXT.encode()))
    assert (info.value.expected, info.value.actual) == (METADATA_ID, asset_id_of_json(OTHER_TEXT))
    assert info.value.request == call.request.info


def test_metadata_named_by_path_is_checked_against_its_etag() -> None:
    call = assets.get_asset(ENDPOINT, "w/data/iris")
    etag = (("ETag", f'"{METADATA_ID}"'),)
    assert call.parse(Response(200, etag, METADATA_TEXT.encode())).id == METADATA_ID
    with pytest.raises(AssetIdMismatchError):
        call.parse(Response(200, etag, OTHER_TEXT.encode()))
    # Without an ETag nothing names the id: the metadata is taken as served.
    assert call.parse(Response(200, TEXT_CT, OTHER_TEXT.encode())).text == OTHER_TEXT


def test_verification_can_be_turned_off() -> None:
    doc = assets.get_asset(ENDPOINT, METADATA_ID, verify=False).parse(
        Response(200, TEXT_CT, OTHER_TEXT.encode())
    )
    assert doc.text == OTHER_TEXT


def test_unknown_asset() -> None:
    with pytest.raises(AssetNotFoundError) as info:
        assets.get_asset(ENDPOINT, "0x" + ID).parse(
            Response(404, JSON_CT, b'{"error":"Asset not found: 0x' + ID.encode() + b'"}')
        )
    assert info.value.asset_id == ID
    assert info.value.message == "Asset not found: 0x" + ID


def test_invalid_id_is_a_400() -> None:
    with pytest.raises(GridError) as info:
        assets.get_asset(ENDPOINT, "zz").parse(
            Response(400, JSON_CT, b'{"error":"Invalid asset ID: zz"}')
        )
    assert info.value.status_code == 400
    assert not isinstance(info.value, NotFoundError)


# --- content ----------------------------------------------------------------------------


def test_content_request() -> None:
    request = assets.content_request(ENDPOINT, "0x" + ID.upper())
    assert request.method == "GET"
    assert request.url == f"{BASE}/api/v1/assets/{ID}/content"
    assert request.header("Accept") == "*/*"
    # The bytes as stored: the venue gzips content on the fly for a client that lets it.
    assert request.header("Accept-Encoding") == "identity"
    inline = assets.content_request(ENDPOINT, ID, inline=True)
    assert inline.url == f"{BASE}/api/v1/assets/{ID}/content?inline=true"


def test_check_content_head() -> None:
    info = RequestInfo("GET", "u")
    assets.check_content_head(ResponseHead(200, TEXT_CT), b"", info, ID)  # no exception
    with pytest.raises(AssetNotFoundError) as err:
        assets.check_content_head(
            ResponseHead(404, JSON_CT),
            b'{"error":"Asset did not have any content available: x"}',
            info,
            ID,
        )
    assert err.value.asset_id == ID
    assert err.value.message == "Asset did not have any content available: x"
    with pytest.raises(GridError) as err2:
        assets.check_content_head(ResponseHead(500), b"", info, ID)
    assert err2.value.message == "Internal Server Error"
    with pytest.raises(VenueProtocolError, match="unexpected HTTP status 302"):
        assets.check_content_head(ResponseHead(302), b"", info, ID)


def test_put_content_request() -> None:
    request = assets.put_content_request(ENDPOINT, "0x" + ID.upper(), b"a,b\n1,2\n")
    assert request.method == "PUT"
    assert request.url == f"{BASE}/api/v1/assets/{ID}/content"
    assert request.body == b"a,b\n1,2\n"
    assert request.header("Content-Type") == "application/octet-stream"
    assert request.idempotent
    typed = assets.put_content(ENDPOINT, ID, b"x", content_type="text/csv").request
    assert typed.header("content-type") == "text/csv"


def test_parse_content_hash() -> None:
    call = assets.put_content(ENDPOINT, ID, b"data")
    assert call.parse(Response(200, JSON_CT, b'"0x' + SHA.encode() + b'"')) == SHA
    assert call.parse(Response(200, JSON_CT, b'"' + SHA.upper().encode() + b'"')) == SHA


@pytest.mark.parametrize("body", [b'"0xabcd"', b"42", b'{"sha256":"x"}', b'"' + b"zz" * 32 + b'"'])
def test_content_hash_must_be_a_sha256(body: bytes) -> None:
    with pytest.raises(VenueProtocolError, match="did not return a SHA-256"):
        assets.parse_content_hash(Response(200, JSON_CT, body))


def test_content_hash_mismatch_is_a_400() -> None:
    body = b'{"error":"Cannot PUT asset content: Content hash mismatch. Expected: a, Actual: b"}'
    with pytest.raises(GridError, match="Content hash mismatch") as info:
        assets.put_content(ENDPOINT, ID, b"x").parse(Response(400, JSON_CT, body))
    assert info.value.status_code == 400
    with pytest.raises(AssetNotFoundError):
        assets.put_content(ENDPOINT, ID, b"x").parse(
            Response(404, JSON_CT, b'{"error":"Asset not found"}')
        )


@pytest.mark.parametrize("bad", [None, 5])
def test_builders_refuse_non_string_ids(bad: Any) -> None:
    for build in (assets.get_asset, assets.content_request, assets.put_content_request):
        with pytest.raises(CoviaUsageError):
            build(ENDPOINT, bad)
    with pytest.raises(CoviaUsageError):
        assets.put_content(ENDPOINT, bad, b"")


# --- fuzz -------------------------------------------------------------------------------

REFS = st.sampled_from([ID, "0x" + ID.upper(), "w/data", DID_REF, "ab"])


@settings(max_examples=150, deadline=None)
@given(responses, REFS)
def test_fuzz_only_covia_errors(response: Response, ref: str) -> None:
    endpoint = Endpoint(BASE)
    for call in (
        assets.list_assets(endpoint),
        assets.register_asset(endpoint, {"name": "x"}),
        assets.get_asset(endpoint, ref),
        assets.put_content(endpoint, ref, b"x"),
    ):
        only_covia_errors(call.parse, response)
    only_covia_errors(assets.parse_asset_list, response)
    only_covia_errors(assets.parse_registered_id, response)
    only_covia_errors(lambda r: assets.parse_asset(r, asset_id=ref), response)
    only_covia_errors(lambda r: assets.parse_content_hash(r, asset_id=ref), response)
    only_covia_errors(lambda r: assets.check_content_head(r.head, r.body, None, ref), response)


def test_a_content_redirect_is_refused() -> None:
    from covia_proto.errors import VenueProtocolError
    from covia_proto.http import ResponseHead

    head = ResponseHead(307, (("Location", "https://cdn.example/blob"),))
    with pytest.raises(VenueProtocolError, match=r"307: a redirect to https://cdn\.example/blob"):
        assets.check_content_head(head, b"", None, "ab" * 32)
