"""Asset ids computed locally equal the venue's: offline against vectors recorded from the
real venue (vectors/asset_ids.json), and live against a real venue with a generated
corpus; metadata that does not match its id is refused."""

from __future__ import annotations

import base64
import json
import math
import pathlib
import pickle
import urllib.request
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covia_proto.asset_id import asset_id, asset_id_of_json, referenced_asset_id, verify_asset_id
from covia_proto.errors import AssetIdMismatchError, RequestInfo, VenueProtocolError
from covia_proto.venue_json import MetadataJsonError

VECTORS = json.loads(
    (pathlib.Path(__file__).parent / "vectors" / "asset_ids.json").read_text(encoding="utf-8")
)
EMPTY_ID = next(v["id"] for v in VECTORS if v.get("json") == "{}")


def body_of(vector: dict[str, str]) -> str | bytes:
    return vector["json"] if "json" in vector else base64.b64decode(vector["json_base64"])


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i}-{v['note']}" for i, v in enumerate(VECTORS)])
def test_recorded_venue_ids(vector):
    body = body_of(vector)
    assert asset_id_of_json(body) == vector["id"]
    raw = body.encode() if isinstance(body, str) else body
    assert asset_id_of_json(raw) == vector["id"]


def test_parsed_metadata_has_the_id_of_its_json():
    metadata = {"name": "Echo", "operation": {"adapter": "test:echo"}, "n": [1, 1.5, None]}
    assert asset_id(metadata) == asset_id_of_json(json.dumps(metadata))


def test_a_null_body_is_the_empty_object_as_on_the_venue():
    assert asset_id_of_json("null") == asset_id({}) == EMPTY_ID


@pytest.mark.parametrize("text", ["[1]", '"x"', "3", "true"])
def test_json_that_is_not_an_object_has_no_asset_id(text):
    with pytest.raises(MetadataJsonError, match="must be a JSON object"):
        asset_id_of_json(text)


def test_verify_accepts_metadata_under_its_own_id_however_spelt():
    verify_asset_id(EMPTY_ID.upper(), b"{ }")
    verify_asset_id("0x" + EMPTY_ID, b"{}")


def test_verify_refuses_tampered_metadata_naming_both_ids():
    request = RequestInfo("GET", f"http://venue/api/v1/assets/{EMPTY_ID}")
    with pytest.raises(AssetIdMismatchError) as caught:
        verify_asset_id(EMPTY_ID, b'{"tampered":true}', request=request)
    error = caught.value
    assert isinstance(error, VenueProtocolError)
    assert error.expected == EMPTY_ID
    assert error.actual == asset_id({"tampered": True})
    assert EMPTY_ID in str(error)
    assert error.actual in str(error)
    assert str(request) in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.expected, copy.actual, copy.request, str(copy)) == (
        error.expected,
        error.actual,
        error.request,
        str(error),
    )


def test_verify_refuses_text_no_venue_could_have_registered():
    with pytest.raises(VenueProtocolError, match="no venue could have registered") as caught:
        verify_asset_id(EMPTY_ID, b"[1,2]")
    assert not isinstance(caught.value, AssetIdMismatchError)


# The generated corpus: nested maps and vectors, maps and vectors large enough for the
# tree forms, long strings for the blob-tree form, edge numbers, unicode with astral
# characters. Doubles are kept to the literals the venue can read (18 characters).
_EDGE_INTEGERS = st.sampled_from(
    [0, -1, 127, 128, -128, -129, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**64]
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | _EDGE_INTEGERS
    | st.integers(min_value=-(2**300), max_value=2**300)
    # Rounded to few digits, nearly every double is a literal of 18 characters or less.
    | st.floats(allow_nan=False, allow_infinity=False)
    .map(lambda f: float(f"{f:.8g}"))
    .filter(lambda f: math.isfinite(f) and len(repr(f)) <= 18)
    | st.sampled_from([-0.0, 0.0, 5e-324, -2.2e-308, 1.5e308, 0.1, 1e16, 123456.789])
    | st.text()
)
_LONG_STRINGS = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=3), st.integers(500, 25_000)
)
_NESTED = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(), children, max_size=8)
    ),
    max_leaves=40,
)
_LARGE = st.lists(_LEAVES, min_size=17, max_size=700) | st.dictionaries(
    st.text(max_size=12), _LEAVES, min_size=16, max_size=400
)
DOCUMENTS = st.dictionaries(st.text(max_size=12), _NESTED | _LARGE | _LONG_STRINGS, max_size=6)


def register(base: str, body: bytes) -> Any:
    request = urllib.request.Request(f"{base}/api/v1/assets", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


@settings(
    max_examples=60,
    suppress_health_check=[
        HealthCheck.data_too_large,
        HealthCheck.too_slow,
    ],
)
@given(document=DOCUMENTS, ascii_only=st.booleans())
def test_generated_metadata_gets_the_real_venues_id(external_venue_url, document, ascii_only):
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert asset_id_of_json(text) == register(external_venue_url, text.encode())
    assert asset_id(document) == asset_id_of_json(text)


def test_the_real_venues_own_assets_hash_to_their_ids(external_venue_url):
    with urllib.request.urlopen(f"{external_venue_url}/api/v1/assets?limit=1000") as response:
        listing = json.loads(response.read())
    assert listing["items"]
    for ident in listing["items"]:
        with urllib.request.urlopen(f"{external_venue_url}/api/v1/assets/{ident}") as response:
            verify_asset_id(ident, response.read())


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (EMPTY_ID, EMPTY_ID),
        ("0x" + EMPTY_ID.upper(), EMPTY_ID),
        (" a/" + EMPTY_ID, EMPTY_ID),
        ("/a/" + EMPTY_ID, EMPTY_ID),
        ("did:web:venue.example.com/a/" + EMPTY_ID, EMPTY_ID),
        ("did:key:z6Mk/a/0x" + EMPTY_ID, EMPTY_ID),
        ("v/ops/test/echo", None),
        ("w/a/" + EMPTY_ID, None),  # a lattice path: only the venue knows what is there
        ("did:web:x/w/a/" + EMPTY_ID, None),
        ("v/" + EMPTY_ID, None),
        ("a/" + EMPTY_ID[:-2], None),
        ("ab", None),
        ("", None),
    ],
)
def test_references_by_hash_name_their_id(reference, expected):
    assert referenced_asset_id(reference) == expected
