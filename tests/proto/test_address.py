"""Tests for covia_proto.address: what Grid.connect accepts as a venue address."""

from __future__ import annotations

import logging

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from covia_proto.address import VenueAddress, parse_venue_address
from covia_proto.did import did_web_to_url, url_to_did_web
from covia_proto.errors import CoviaError, CoviaUsageError

LOGGER = "covia.address"
DID_KEY = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


@pytest.mark.parametrize(
    ("text", "base_url", "did"),
    [
        ("https://venue.example.com", "https://venue.example.com", None),
        ("https://venue.example.com/", "https://venue.example.com", None),
        ("  https://venue.example.com \n", "https://venue.example.com", None),
        ("HTTPS://Venue.Example.COM", "https://venue.example.com", None),
        ("https://venue.example.com/api/v1", "https://venue.example.com", None),
        ("https://venue.example.com/api/v1/", "https://venue.example.com", None),
        ("https://venue.example.com:443", "https://venue.example.com", None),
        ("https://venue.example.com:8443", "https://venue.example.com:8443", None),
        ("https://example.com/covia", "https://example.com/covia", None),
        ("https://example.com/covia/", "https://example.com/covia", None),
        ("https://example.com/covia/api/v1/", "https://example.com/covia", None),
        ("https://example.com/a/b%20c", "https://example.com/a/b%20c", None),
        ("https://example.com/API/V1", "https://example.com/API/V1", None),  # paths are exact
        ("https://192.0.2.1:8080", "https://192.0.2.1:8080", None),
        ("https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443", None),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example", None),
        ("did:web:venue.example.com", "https://venue.example.com", "did:web:venue.example.com"),
        ("  DID:web:venue.example.com ", "https://venue.example.com", "did:web:venue.example.com"),
        (
            "did:web:venue.example.com%3a8443",
            "https://venue.example.com:8443",
            "did:web:venue.example.com%3A8443",
        ),
        ("did:web:example.com:covia", "https://example.com/covia", "did:web:example.com:covia"),
    ],
)
def test_parse_https_addresses(text, base_url, did, caplog):
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        address = parse_venue_address(text)
    assert address == VenueAddress(base_url, did)
    assert address.base_url == base_url
    assert address.did == did
    assert address.secure is True
    assert address.api_root == base_url + "/api/v1"
    assert [r for r in caplog.records if r.name == LOGGER] == []


@pytest.mark.parametrize(
    ("text", "base_url", "did"),
    [
        ("http://localhost:8080", "http://localhost:8080", None),
        ("http://127.0.0.1:8080/api/v1/", "http://127.0.0.1:8080", None),
        ("did:web:localhost%3A8080", "http://localhost:8080", "did:web:localhost%3A8080"),
        ("did:web:%5B%3A%3A1%5D", "http://[::1]", "did:web:%5B%3A%3A1%5D"),
    ],
)
def test_plain_http_to_loopback_is_not_worth_a_warning(text, base_url, did, caplog):
    # The traffic never leaves the machine.
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        address = parse_venue_address(text)
    assert address == VenueAddress(base_url, did)
    assert address.secure is False
    assert [r for r in caplog.records if r.name == LOGGER] == []


@pytest.mark.parametrize(
    ("text", "base_url", "did"),
    [
        ("http://venue.example.com", "http://venue.example.com", None),
        ("HTTP://venue.example.com:80/api/v1", "http://venue.example.com", None),
        ("http://10.0.0.1:8080", "http://10.0.0.1:8080", None),
    ],
)
def test_http_addresses_warn(text, base_url, did, caplog):
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        address = parse_venue_address(text)
    assert address == VenueAddress(base_url, did)
    assert address.secure is False
    assert address.api_root == base_url + "/api/v1"
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "not encrypted" in message
    assert base_url in message


def test_https_address_logs_nothing(caplog):
    with caplog.at_level(logging.DEBUG):
        parse_venue_address("https://venue.example.com")
        parse_venue_address("did:web:venue.example.com")
    assert caplog.records == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("venue.example.com", "no scheme"),
        ("localhost:8080", "no scheme"),
        ("//venue.example.com", "no scheme"),
        ("ftp://venue.example.com", "unsupported scheme 'ftp'"),
        ("wss://venue.example.com", "unsupported scheme 'wss'"),
        ("file:///etc/passwd", "unsupported scheme 'file'"),
        ("https://", "no host"),
        ("https:///api/v1", "no host"),
        ("https://:8080", "no host"),
        ("https://venue.example.com:", "port after ':' is empty"),
        ("https://venue.example.com:0", "from 1 to 65535"),
        ("https://venue.example.com:65536", "from 1 to 65535"),
        ("https://venue.example.com:https", "from 1 to 65535"),
        ("https://venue.example.com:80:80", "brackets"),
        ("https://2001:db8::1", "brackets"),
        ("https://[2001:db8::1", "closing ']'"),
        ("https://[nope]", "not a valid IPv6 address"),
        ("https://venue.example.com?debug=1", "query string"),
        ("https://venue.example.com/api/v1?x", "query string"),
        ("https://venue.example.com#top", "fragment"),
        ("https://user@venue.example.com", "user name or password"),
        ("https://example.com/a@b", "user name or password"),  # '@' anywhere is refused
        ("https://venue example.com", "whitespace"),
        ("https://venue.example.com\t/x", "whitespace"),
        ("https://venue.example.com\x00", "control character"),
        ("https://venue_.example.com-", "not a valid host name"),
        ("https://venue.example.com.", "must not end with '.'"),
        ("https://ex!ample.com", "not a valid host name"),
        ("https://example.com\\@evil.com", "user name or password"),
        ("https://300.1.1.1", "not a valid IPv4 address"),
        ("https://bücher.example", "xn--"),
        ("https://例え.jp", "xn--"),
        ("https://example.com//x", "empty segment"),
        ("https://example.com/./x", "'.' or '..'"),
        ("https://example.com/x/..", "'.' or '..'"),
        ("https://example.com/a%2Fb", "encoded '/'"),
        ("https://example.com/a%zz", "percent-encode"),
        ("https://example.com/a<b>", "percent-encode"),
        ("https://example.com/api/v1/api/v1", "/api/v1 twice"),
        (DID_KEY, "did:key venue cannot be located without a URL"),
        ("did:key:anything", "did:key venue cannot be located without a URL"),
        ("did:example:123", "did:example cannot locate a venue"),
        ("did:web:venue.example.com/a/00", "without a path, query or fragment"),
        ("did:web:venue.example.com#key-1", "without a path, query or fragment"),
        ("did:web:venue.example.com%3A99999", "from 1 to 65535"),
        ("did:web:user%40venue.example.com", "user name or password"),
        ("did:WEB:venue.example.com", "lower-case"),
        ("did:", "expected 'did:<method>:<id>'"),
    ],
)
def test_rejected_addresses(text, fragment):
    with pytest.raises(CoviaUsageError) as info:
        parse_venue_address(text)
    assert fragment in str(info.value)


def test_rejects_non_string():
    with pytest.raises(CoviaUsageError, match="must be a string"):
        parse_venue_address(b"https://h")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "https://alice:hunter2secret@venue.example.com",
        "https://alice:hunter2secret@venue.example.com:8443/api/v1",
        "http://alice:hunter2secret@localhost:8080",
        "https://alice:hunter2secret@",
        "https://:hunter2secret@venue.example.com",
        "https://alice:hunter2secret#@venue.example.com",
        "https://alice:hunter2secret?@venue.example.com",
        "https://alice:hunter2secret/x@venue.example.com",  # '/' makes it parse as a port
        "https://venue.example.com/?token=hunter2secret",
        "https://venue.example.com/#hunter2secret",
    ],
)
def test_credentials_are_never_echoed(text, caplog):
    with caplog.at_level(logging.DEBUG), pytest.raises(CoviaUsageError) as info:
        parse_venue_address(text)
    assert "hunter2secret" not in str(info.value)
    assert "hunter2secret" not in repr(info.value)
    assert "hunter2secret" not in caplog.text


def test_userinfo_message_points_to_auth():
    with pytest.raises(CoviaUsageError, match="auth="):
        parse_venue_address("https://alice:pw@venue.example.com")


def test_error_is_a_value_error_too():
    with pytest.raises(ValueError, match="scheme"):
        parse_venue_address("gopher://venue.example.com")


# -- VenueAddress itself --------------------------------------------------------------


def test_venue_address_is_frozen_and_hashable():
    address = parse_venue_address("https://venue.example.com/api/v1")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        address.base_url = "https://other"  # type: ignore[misc]
    assert {address, parse_venue_address("HTTPS://VENUE.example.com/")} == {address}


@pytest.mark.parametrize(
    "base_url",
    [
        "https://venue.example.com/",
        "https://Venue.example.com",
        "https://venue.example.com/api/v1",
        "https://venue.example.com:443",
        "venue.example.com",
        "https://u:p@venue.example.com",
    ],
)
def test_venue_address_requires_canonical_base_url(base_url):
    with pytest.raises(CoviaUsageError):
        VenueAddress(base_url)


def test_venue_address_did_must_match_base_url():
    assert VenueAddress("https://h", "did:web:h").did == "did:web:h"
    with pytest.raises(CoviaUsageError, match="does not name"):
        VenueAddress("https://other", "did:web:h")
    with pytest.raises(CoviaUsageError):
        VenueAddress("https://h", DID_KEY)


# -- round trips and properties -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://venue.example.com",
        "https://venue.example.com:8443",
        "https://example.com/covia",
        "http://localhost:8080",
        "http://[::1]:3000",
    ],
)
def test_url_did_address_round_trip(url, caplog):
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        by_url = parse_venue_address(url)
        by_did = parse_venue_address(url_to_did_web(url))
    assert by_url.base_url == by_did.base_url == url
    assert by_did.did == url_to_did_web(url)
    assert did_web_to_url(by_did.did) == by_url.base_url


@given(text=st.one_of(st.text(), st.text().map(lambda t: "https://" + t)))
def test_arbitrary_text_raises_only_usage_errors(text):
    try:
        address = parse_venue_address(text)
    except CoviaError as error:
        caught = error
    else:
        # Whatever parses is canonical: parsing it again gives the same address.
        assert parse_venue_address(address.base_url) == VenueAddress(address.base_url)
        return
    assert isinstance(caught, CoviaUsageError)
    assert caught.message


_safe = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6
)
_password = st.builds(lambda body, tail: "Pw" + body + tail, _safe, st.text(max_size=10))


@example(user="a/b", password="PwABCDEF", rest="")  # parses as host "a" without the '@' rule
@given(user=st.text(max_size=10), password=_password, rest=st.sampled_from(["", ":8443", "/x"]))
def test_password_never_in_error(user, password, rest):
    with pytest.raises(CoviaUsageError) as info:
        parse_venue_address(f"https://{user}:{password}@venue.example.com{rest}")
    assert password not in str(info.value)
    assert password[:8] not in str(info.value)
