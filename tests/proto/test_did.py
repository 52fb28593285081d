"""Tests for covia_proto.did: DID syntax, did:web <-> URL, did:key, DID URLs."""

from __future__ import annotations

import string
from urllib.parse import quote

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.did import (
    BaseUrl,
    Did,
    DidKey,
    DidUrl,
    did_web_document_url,
    did_web_to_url,
    parse_base_url,
    parse_did,
    parse_did_key,
    parse_did_url,
    url_to_did_web,
)
from covia_proto.errors import CoviaError, CoviaUsageError

# The W3C did:key test vector for the Ed25519 key of the all-zero seed.
ZERO_SEED_KEY = bytes.fromhex("3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29")
ZERO_SEED_MULTIBASE = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
ZERO_SEED_DID = f"did:key:{ZERO_SEED_MULTIBASE}"
HEX64 = "ab" * 32

# -- parse_did ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "method", "identifier", "canonical"),
    [
        ("did:web:example.com", "web", "example.com", "did:web:example.com"),
        ("  did:web:example.com\n", "web", "example.com", "did:web:example.com"),
        ("DID:web:example.com", "web", "example.com", "did:web:example.com"),
        ("Did:key:z6Mk", "key", "z6Mk", "did:key:z6Mk"),
        ("did:web:example.com%3a3000", "web", "example.com%3A3000", "did:web:example.com%3A3000"),
        ("did:web:example.com:u:alice", "web", "example.com:u:alice", None),
        ("did:example:123456789abcdefghi", "example", "123456789abcdefghi", None),
        ("did:m1:a.b-c_d", "m1", "a.b-c_d", None),
        ("did:x::a", "x", ":a", None),  # DID Core allows empty colon segments
        ("did:x:a::b", "x", "a::b", None),
        ("did:web:Example.COM", "web", "Example.COM", None),  # generic ids keep their case
    ],
)
def test_parse_did_accepts(text, method, identifier, canonical):
    did = parse_did(text)
    assert did == Did(method, identifier)
    assert (did.method, did.identifier) == (method, identifier)
    assert str(did) == (canonical or text.strip())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("web:example.com", "must start with 'did:'"),
        ("did:", "expected 'did:<method>:<id>'"),
        ("did:web", "expected 'did:<method>:<id>'"),
        ("did:web:", "empty method-specific id"),
        ("did::example.com", "method"),
        ("did:WEB:example.com", "lower-case"),
        ("did:we-b:example.com", "lower-case"),
        ("did:web:example.com:", "must not end with ':'"),
        ("did:web:exa mple.com", "contains ' '"),
        ("did:web:example.com%3", "percent-encoding"),
        ("did:web:example.com%zz", "percent-encoding"),
        ("did:web:example.com/path", "DID URL"),
        ("did:web:example.com?q=1", "DID URL"),
        ("did:web:example.com#key-1", "DID URL"),
        ("did:web:exämple.com", "contains 'ä'"),
        ("did:web:a~b", "contains '~'"),
    ],
)
def test_parse_did_rejects(text, fragment):
    with pytest.raises(CoviaUsageError) as info:
        parse_did(text)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_parse_did_rejects_non_string():
    with pytest.raises(CoviaUsageError, match="must be a string"):
        parse_did(42)  # type: ignore[arg-type]


def test_did_is_validated_on_construction():
    with pytest.raises(CoviaUsageError):
        Did("Web", "example.com")
    with pytest.raises(CoviaUsageError):
        Did("web", "")
    assert Did("web", "h%3a1") == parse_did("did:web:h%3A1")


def test_did_is_frozen_and_hashable():
    did = parse_did("did:web:example.com")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        did.method = "key"  # type: ignore[misc]
    assert {did, parse_did("DID:web:example.com")} == {did}


def test_long_bad_input_is_shortened_in_messages():
    with pytest.raises(CoviaUsageError) as info:
        parse_did("did:web:" + "a" * 500 + "!")
    assert len(str(info.value)) < 250


# -- did:web -> URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url", "document"),
    [
        (
            "did:web:example.com",
            "https://example.com",
            "https://example.com/.well-known/did.json",
        ),
        (
            "did:web:example.com%3A3000",
            "https://example.com:3000",
            "https://example.com:3000/.well-known/did.json",
        ),
        (
            "did:web:example.com%3a3000",
            "https://example.com:3000",
            "https://example.com:3000/.well-known/did.json",
        ),
        (
            "did:web:example.com:u:alice",
            "https://example.com/u/alice",
            "https://example.com/u/alice/did.json",
        ),
        (
            "did:web:example.com%3A8443:u:alice",
            "https://example.com:8443/u/alice",
            "https://example.com:8443/u/alice/did.json",
        ),
        ("did:web:EXAMPLE.Com", "https://example.com", "https://example.com/.well-known/did.json"),
        (
            "did:web:localhost%3A8080",
            "http://localhost:8080",
            "http://localhost:8080/.well-known/did.json",
        ),
        ("did:web:localhost", "http://localhost", "http://localhost/.well-known/did.json"),
        ("did:web:LocalHost", "http://localhost", "http://localhost/.well-known/did.json"),
        (
            "did:web:127.0.0.1%3A8080",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/.well-known/did.json",
        ),
        (
            "did:web:127.3.4.5",
            "http://127.3.4.5",
            "http://127.3.4.5/.well-known/did.json",
        ),
        (
            "did:web:%5B%3A%3A1%5D%3A8080",
            "http://[::1]:8080",
            "http://[::1]:8080/.well-known/did.json",
        ),
        (
            "did:web:%5B0%3A0%3A0%3A0%3A0%3A0%3A0%3A1%5D",
            "http://[::1]",
            "http://[::1]/.well-known/did.json",
        ),
        (
            "did:web:%5B2001%3ADB8%3A%3A1%5D",
            "https://[2001:db8::1]",
            "https://[2001:db8::1]/.well-known/did.json",
        ),
        (
            "did:web:192.0.2.7%3A9000",
            "https://192.0.2.7:9000",
            "https://192.0.2.7:9000/.well-known/did.json",
        ),
        # Default ports are dropped; 80 is the default only for the http of loopback.
        ("did:web:example.com%3A443", "https://example.com", None),
        ("did:web:example.com%3A80", "https://example.com:80", None),
        ("did:web:localhost%3A80", "http://localhost", None),
        ("did:web:localhost%3A443", "http://localhost:443", None),
        # Path segments are decoded and re-encoded for a URL path.
        (
            "did:web:example.com:u:alice%40example.org",
            "https://example.com/u/alice@example.org",
            None,
        ),
        ("did:web:example.com:u:al%7Eice", "https://example.com/u/al~ice", None),
        ("did:web:example.com:a:b%20c", "https://example.com/a/b%20c", None),
        ("did:web:example.com:a:b%3Ac", "https://example.com/a/b:c", None),
        ("did:web:xn--bcher-kva.example", "https://xn--bcher-kva.example", None),
        ("did:web:my_host.internal", "https://my_host.internal", None),
        ("  DID:web:example.com  ", "https://example.com", None),
    ],
)
def test_did_web_to_url(did, url, document):
    assert did_web_to_url(did) == url
    assert did_web_to_url(parse_did(did)) == url
    if document is not None:
        assert did_web_document_url(did) == document


@pytest.mark.parametrize(
    ("did", "fragment"),
    [
        ("did:key:z6Mk", "not a did:web DID"),
        ("did:example:123", "not a did:web DID"),
        ("did:web:example.com/path", "path with ':'"),
        ("did:web:example.com?service=x", "path with ':'"),
        ("did:web:example.com#key", "path with ':'"),
        ("did:web::u:alice", "no host"),
        ("did:web:%3A8080", "no host"),
        ("did:web:example.com%3A", "port after ':' is empty"),
        ("did:web:example.com%3A0", "from 1 to 65535"),
        ("did:web:example.com%3A65536", "from 1 to 65535"),
        ("did:web:example.com%3A123456", "from 1 to 65535"),
        ("did:web:example.com%3Ahttp", "from 1 to 65535"),
        ("did:web:example.com%3A-1", "from 1 to 65535"),
        ("did:web:example.com%3A80%3A81", "brackets"),
        ("did:web:user%40example.com", "user name or password"),
        ("did:web:user%3Apw%40example.com", "user name or password"),
        ("did:web:ex%2Fample.com", "not a valid host name"),
        ("did:web:example.com%2Fpath", "not a valid host name"),
        ("did:web:-example.com", "not a valid host name"),
        ("did:web:example-.com", "not a valid host name"),
        ("did:web:exa..mple.com", "not a valid host name"),
        ("did:web:" + "a" * 64 + ".com", "not a valid host name"),
        ("did:web:example.com.", "must not end with '.'"),
        ("did:web:b%C3%BCcher.example", "xn--"),
        ("did:web:999.0.0.1", "not a valid IPv4 address"),
        ("did:web:127.1", "not a valid IPv4 address"),
        ("did:web:0x7f.0.0.1", "not a valid IPv4 address"),
        ("did:web:%5B%3A%3A1", "closing ']'"),
        ("did:web:%5Bnot-ip%5D", "not a valid IPv6 address"),
        ("did:web:%5Bfe80%3A%3A1%25eth0%5D", "zone"),
        ("did:web:%5B%3A%3A1%5Dx", "after an IPv6 host"),
        ("did:web:example.com:..:x", "'.' or '..'"),
        ("did:web:example.com:.", "'.' or '..'"),
        ("did:web:example.com:%2E%2E", "'.' or '..'"),
        ("did:web:example.com:a%2Fb", "encoded '/'"),
        ("did:web:example.com::a", "empty segment"),
    ],
)
def test_did_web_to_url_rejects(did, fragment):
    with pytest.raises(CoviaUsageError) as info:
        did_web_to_url(did)
    assert fragment in str(info.value)
    with pytest.raises(CoviaUsageError):
        did_web_document_url(did)


def test_did_web_port_never_echoed():
    with pytest.raises(CoviaUsageError) as info:
        did_web_to_url("did:web:example.com%3Asecret123")
    assert "secret123" not in str(info.value)


# -- URL -> did:web -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://example.com", "did:web:example.com"),
        ("https://example.com/", "did:web:example.com"),
        ("HTTPS://Example.COM", "did:web:example.com"),
        ("https://example.com:3000", "did:web:example.com%3A3000"),
        ("https://example.com:443", "did:web:example.com"),
        ("https://example.com/u/alice", "did:web:example.com:u:alice"),
        ("https://example.com:8443/u/alice/", "did:web:example.com%3A8443:u:alice"),
        ("https://example.com/api/v1", "did:web:example.com"),
        ("https://example.com/api/v1/", "did:web:example.com"),
        ("https://example.com/covia/api/v1", "did:web:example.com:covia"),
        ("http://localhost:8080", "did:web:localhost%3A8080"),
        ("http://localhost:8080/api/v1", "did:web:localhost%3A8080"),
        ("http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080"),
        ("http://[::1]:8080", "did:web:%5B%3A%3A1%5D%3A8080"),
        ("https://[2001:db8::1]", "did:web:%5B2001%3Adb8%3A%3A1%5D"),
        ("https://example.com/u/al~ice", "did:web:example.com:u:al%7Eice"),
        ("https://example.com/a:b", "did:web:example.com:a%3Ab"),
        ("https://example.com/a%3ab", "did:web:example.com:a%3Ab"),
        ("https://example.com/b%20c", "did:web:example.com:b%20c"),
        ("https://example.com/%61", "did:web:example.com:a"),
    ],
)
def test_url_to_did_web(url, did):
    assert url_to_did_web(url) == did


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://example.com", "only on a loopback host"),
        ("http://10.0.0.1:8080", "only on a loopback host"),
        ("ftp://example.com", "unsupported scheme"),
        ("example.com", "no scheme"),
        ("https://user:pw@example.com", "user name or password"),
        ("https://example.com?x=1", "query"),
        ("https://example.com#top", "fragment"),
        ("https://", "no host"),
        ("https://:8080", "no host"),
        ("https://example.com:", "port after ':' is empty"),
        ("https://example.com:99999", "from 1 to 65535"),
        ("https://example.com//a", "empty segment"),
        ("https://example.com/a/../b", "'.' or '..'"),
        ("https://example.com/a%2Fb", "encoded '/'"),
        ("https://example.com/a b", "whitespace"),
        ("https://example.com/a\\b", "percent-encode"),
        ("https://example.com/é", "percent-encode"),
        ("https://bücher.example", "xn--"),
    ],
)
def test_url_to_did_web_rejects(url, fragment):
    with pytest.raises(CoviaUsageError) as info:
        url_to_did_web(url)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "https://example.com:3000",
        "https://example.com/u/alice",
        "https://example.com:8443/covia/u/alice",
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://[::1]:8080/x",
        "https://[2001:db8::1]:8443",
        "https://example.com/u/al~ice/b%20c/d:e",
    ],
)
def test_url_did_url_round_trip(url):
    did = url_to_did_web(url)
    assert did_web_to_url(did) == url
    assert url_to_did_web(did_web_to_url(did)) == did


def test_https_loopback_url_maps_back_to_http():
    # A DID cannot say which scheme its host used: loopback always means http.
    did = url_to_did_web("https://localhost:8443")
    assert did == "did:web:localhost%3A8443"
    assert did_web_to_url(did) == "http://localhost:8443"


# -- parse_base_url -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com", BaseUrl("https", "example.com", None, "")),
        ("https://example.com:8443/a/", BaseUrl("https", "example.com", 8443, "/a")),
        ("http://example.com:80", BaseUrl("http", "example.com", None, "")),
        ("http://example.com:0080", BaseUrl("http", "example.com", None, "")),
        ("https://[::FFFF:1]:1", BaseUrl("https", "[::ffff:1]", 1, "")),
        ("https://h/api/v1", BaseUrl("https", "h", None, "/api/v1")),
        ("https://h/a%2fx%3a", None),
    ],
)
def test_parse_base_url(text, expected):
    if expected is None:
        with pytest.raises(CoviaUsageError):
            parse_base_url(text)
        return
    base = parse_base_url(text)
    assert base == expected
    assert parse_base_url(str(base)) == base


def test_base_url_without_api_root():
    assert parse_base_url("https://h/x/api/v1/").without_api_root() == parse_base_url("https://h/x")
    assert parse_base_url("https://h/xapi/v1").without_api_root().path == "/xapi/v1"
    assert parse_base_url("https://h/a%20b").segments == (b"a b",)


# -- did:key --------------------------------------------------------------------------


def test_parse_did_key_w3c_vector():
    key = parse_did_key(ZERO_SEED_DID)
    assert key.multibase == ZERO_SEED_MULTIBASE
    assert key.public_key == ZERO_SEED_KEY
    assert key.key_type == "Ed25519"
    assert str(key) == ZERO_SEED_DID
    assert key.did == Did("key", ZERO_SEED_MULTIBASE)
    assert parse_did_key(parse_did(ZERO_SEED_DID)) == key
    assert parse_did_key(f"  DID:key:{ZERO_SEED_MULTIBASE} ") == key


def test_did_key_from_public_key():
    assert DidKey.from_public_key(ZERO_SEED_KEY) == parse_did_key(ZERO_SEED_DID)
    assert str(DidKey.from_public_key(bytearray(ZERO_SEED_KEY))) == ZERO_SEED_DID


def test_did_key_leading_zero_bytes_round_trip():
    # A key of zeros makes base58 digits of a long run of zero bits.
    key = DidKey.from_public_key(bytes(32))
    assert parse_did_key(str(key)).public_key == bytes(32)


def test_did_key_fields_must_agree():
    with pytest.raises(CoviaUsageError, match="disagree"):
        DidKey(ZERO_SEED_MULTIBASE, bytes(32), "Ed25519")
    with pytest.raises(CoviaUsageError, match="disagree"):
        DidKey(ZERO_SEED_MULTIBASE, ZERO_SEED_KEY, "X25519")


def test_did_key_from_public_key_rejects():
    with pytest.raises(CoviaUsageError, match="32 bytes"):
        DidKey.from_public_key(bytes(31))
    with pytest.raises(CoviaUsageError, match="unsupported"):
        DidKey.from_public_key(bytes(32), key_type="secp256k1")
    with pytest.raises(CoviaUsageError, match="must be bytes"):
        DidKey.from_public_key(32)  # type: ignore[arg-type]


def _b58(data: bytes) -> str:
    """An independent base58btc encoder for building bad keys in tests."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = alphabet[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("did:web:example.com", "not a did:key DID"),
        (f"{ZERO_SEED_DID}:public", "not itself a key"),
        ("did:key:f" + ZERO_SEED_KEY.hex(), "base58btc multibase"),
        ("did:key:" + ZERO_SEED_MULTIBASE[1:], "base58btc multibase"),
        ("did:key:" + ZERO_SEED_MULTIBASE[:-1] + "0", "'0' is not a base58btc character"),
        ("did:key:" + ZERO_SEED_MULTIBASE[:-1] + "O", "'O' is not a base58btc character"),
        ("did:key:" + ZERO_SEED_MULTIBASE[:-1] + "l", "'l' is not a base58btc character"),
        # A leading '1' is a zero byte in base58, so it must not be silently dropped.
        ("did:key:z1" + ZERO_SEED_MULTIBASE[1:], "prefix 0x00ed and 35 bytes"),
        ("did:key:z", "too short"),
        ("did:key:z1", "too short"),
        ("did:key:z" + "2" * 200, "too long"),
        ("did:key:z" + _b58(b"\xed\x01" + ZERO_SEED_KEY[:31]), "must be 32 bytes, not 31"),
        ("did:key:z" + _b58(b"\xed\x01" + ZERO_SEED_KEY + b"\x00"), "must be 32 bytes, not 33"),
        ("did:key:z" + _b58(b"\xe7\x01" + bytes([2]) + bytes(32)), "prefix 0xe701"),
        ("did:key:" + ZERO_SEED_MULTIBASE + "X", "unsupported or corrupt"),
    ],
)
def test_parse_did_key_rejects(text, fragment):
    with pytest.raises(CoviaUsageError) as info:
        parse_did_key(text)
    assert fragment in str(info.value)


def test_independent_base58_matches_vector():
    # Guards the test helper itself against the W3C vector.
    assert "z" + _b58(b"\xed\x01" + ZERO_SEED_KEY) == ZERO_SEED_MULTIBASE


# -- DID URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "did", "path", "query", "fragment", "namespace", "asset_id"),
    [
        (
            f"{ZERO_SEED_DID}/a/{HEX64}",
            ZERO_SEED_DID,
            f"/a/{HEX64}",
            None,
            None,
            "a",
            HEX64,
        ),
        (
            "did:web:venue.example.com/v/ops/json/merge",
            "did:web:venue.example.com",
            "/v/ops/json/merge",
            None,
            None,
            "v",
            None,
        ),
        (
            f"did:web:example.com%3A8080/a/0x{HEX64.upper()}",
            "did:web:example.com%3A8080",
            f"/a/0x{HEX64.upper()}",
            None,
            None,
            "a",
            HEX64,
        ),
        ("did:web:example.com", "did:web:example.com", "", None, None, None, None),
        ("did:web:example.com/", "did:web:example.com", "/", None, None, None, None),
        ("did:web:h/w/data/x", "did:web:h", "/w/data/x", None, None, "w", None),
        ("did:web:h/o/agents", "did:web:h", "/o/agents", None, None, "o", None),
        ("did:web:h/a/abc", "did:web:h", "/a/abc", None, None, "a", None),  # odd length
        ("did:web:h/a/xyz", "did:web:h", "/a/xyz", None, None, "a", None),
        (f"did:web:h/a/{HEX64}/x", "did:web:h", f"/a/{HEX64}/x", None, None, "a", None),
        (f"did:web:h/b/{HEX64}", "did:web:h", f"/b/{HEX64}", None, None, "b", None),
        (
            f"{ZERO_SEED_DID}#{ZERO_SEED_MULTIBASE}",
            ZERO_SEED_DID,
            "",
            None,
            ZERO_SEED_MULTIBASE,
            None,
            None,
        ),
        (
            "did:web:h/a/00?service=files&x=/y#frag/ment?",
            "did:web:h",
            "/a/00",
            "service=files&x=/y",
            "frag/ment?",
            "a",
            "00",
        ),
        ("did:web:h?", "did:web:h", "", "", None, None, None),
        ("did:web:h#", "did:web:h", "", None, "", None, None),
    ],
)
def test_parse_did_url(text, did, path, query, fragment, namespace, asset_id):
    url = parse_did_url(text)
    assert url == DidUrl(parse_did(did), path, query, fragment)
    assert str(url.did) == did
    assert (url.path, url.query, url.fragment) == (path, query, fragment)
    assert url.namespace == namespace
    assert url.asset_id == asset_id
    assert str(url) == text
    assert parse_did_url(str(url)) == url


def test_parse_did_url_canonical_text():
    url = parse_did_url("  DID:web:h%3a1/a/b%2f?q=%2a#%2b ")
    assert str(url) == "did:web:h%3A1/a/b%2F?q=%2A#%2B"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("web:h/a/00", "must start with 'did:'"),
        ("did:web/a/00", "expected 'did:<method>:<id>'"),
        ("did:web:/a/00", "empty method-specific id"),
        ("did:web:h/a b", "not a valid URL path"),
        ("did:web:h/a%zz", "not a valid URL path"),
        ("did:web:h/é", "not a valid URL path"),
        ("did:web:h?a b", "query"),
        ("did:web:h#a#b", "fragment"),
        ("did:web:h#a b", "fragment"),
    ],
)
def test_parse_did_url_rejects(text, fragment):
    with pytest.raises(CoviaUsageError) as info:
        parse_did_url(text)
    assert fragment in str(info.value)


def test_did_url_is_validated_on_construction():
    did = parse_did("did:web:h")
    with pytest.raises(CoviaUsageError):
        DidUrl(did, "a/b")
    with pytest.raises(CoviaUsageError):
        DidUrl(did, "", "a b")
    with pytest.raises(TypeError):
        DidUrl("did:web:h")  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------

PARSERS = [
    parse_did,
    parse_did_key,
    parse_did_url,
    did_web_to_url,
    did_web_document_url,
    url_to_did_web,
    parse_base_url,
]

# Text that reaches deep into each parser: real prefixes followed by anything.
_prefixed_text = st.one_of(
    st.text(),
    st.builds(
        str.__add__,
        st.sampled_from(["did:", "did:web:", "did:key:", "did:key:z6Mk", "https://", "http://"]),
        st.text(),
    ),
    st.builds(
        str.__add__,
        st.just("did:web:"),
        st.text(alphabet=string.ascii_letters + string.digits + ".-_:%/?#@[]", max_size=40),
    ),
)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda f: f.__name__)
@given(text=_prefixed_text)
def test_parsers_raise_only_covia_errors(parse, text):
    try:
        parse(text)
    except CoviaError as error:
        caught = error
    else:
        return
    # Every failure is the caller's bad input, and says what was wrong.
    assert isinstance(caught, CoviaUsageError)
    assert caught.message


_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_host = st.one_of(
    st.builds(".".join, st.lists(_label, min_size=1, max_size=4)).filter(
        lambda h: not h.rsplit(".", 1)[-1].isdigit() and h != "localhost"
    ),
    st.ip_addresses(v=4).map(str).filter(lambda h: not h.startswith("127.")),
    st.ip_addresses(v=6).filter(lambda a: a.compressed != "::1").map(lambda a: f"[{a}]"),
)
_port = st.one_of(st.none(), st.integers(1, 65535).filter(lambda p: p != 443))
_segment = st.text(min_size=1, max_size=8).filter(lambda s: "/" not in s and s not in (".", ".."))


@given(host=_host, port=_port, segments=st.lists(_segment, max_size=3))
def test_did_web_round_trip_from_parts(host, port, segments):
    # The URL is built here with urllib's quote, independently of the module.
    path = "".join("/" + quote(s, safe="!$&'()*+,;=:@") for s in segments)
    authority = host if port is None else f"{host}:{port}"
    url = f"https://{authority}{path}"
    did = url_to_did_web(url)
    assert did.startswith("did:web:")
    assert "/" not in did
    parsed = parse_did(did)
    assert len(parsed.identifier.split(":")) == 1 + len(segments)
    assert did_web_to_url(did) == url
    assert url_to_did_web(url + "/api/v1/") == did
    document = did_web_document_url(did)
    assert document == (f"{url}/did.json" if segments else f"{url}/.well-known/did.json")


@given(key=st.binary(min_size=32, max_size=32))
def test_did_key_round_trip(key):
    did_key = DidKey.from_public_key(key)
    assert did_key.multibase.startswith("z6Mk")
    assert len(did_key.multibase) == 48
    assert "z" + _b58(b"\xed\x01" + key) == did_key.multibase
    assert parse_did_key(str(did_key)) == did_key
