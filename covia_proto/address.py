"""Venue addresses: the connection strings a user passes to ``Grid.connect``.

An address is an ``https://`` URL (``http://`` is allowed with a logged warning), or a
``did:web`` DID, which names its venue's host (venue-api.md §6.2). Pasting the API root
is forgiven: a trailing ``/`` or ``/api/v1`` is dropped, while any other path is kept as
the prefix of a venue behind a proxy (``https://example.com/covia``).

Refused, with a ``CoviaUsageError`` saying why: credentials in the URL (they belong in
``auth=``; the error never repeats them, and any ``@`` counts, since a password holding a
``/`` would otherwise parse as a path), a query or fragment, another scheme, a bad host
or port, a ``did:key`` (it names a key, not a place), and unicode host names (give the
``xn--`` form; see ``covia_proto.did`` for why they are not converted here).

Every address that resolves to ``http://`` logs the warning, loopback ones included
(``did:web:localhost…`` maps to http): the message is true there too, and one rule is
easier to rely on than a list of exceptions.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Final
from urllib.parse import urlsplit

import attrs

from covia_proto.did import did_web_to_url, parse_base_url, parse_did
from covia_proto.errors import CoviaUsageError

__all__ = ["VenueAddress", "parse_venue_address"]

_log: Final = logging.getLogger("covia.address")

_API_ROOT: Final = "/api/v1"


def _check_base_url(_: object, __: object, value: str) -> None:
    # Only the canonical form is accepted, so equal venues give equal addresses.
    base = parse_base_url(value)
    if str(base) != value or base.without_api_root() != base:
        raise CoviaUsageError(
            f"base_url must be a canonical base URL without {_API_ROOT} (use parse_venue_address)"
        )


@attrs.frozen
class VenueAddress:
    """Where a venue lives: its base URL and, if the user gave one, its did:web DID."""

    base_url: str = attrs.field(validator=_check_base_url)
    did: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.did is not None and did_web_to_url(self.did) != self.base_url:
            raise CoviaUsageError(f"{self.did!r} does not name the venue at {self.base_url}")

    @property
    def secure(self) -> bool:
        """True when the connection is encrypted (https)."""
        return self.base_url.startswith("https://")

    @property
    def api_root(self) -> str:
        """The root of the venue's HTTP API, ``<base_url>/api/v1``."""
        return self.base_url + _API_ROOT


def _from_did(text: str) -> VenueAddress:
    if any(c in text for c in "/?#"):
        raise CoviaUsageError(
            "a venue DID must be a plain did:web DID without a path, query or fragment "
            "(paths are written with ':')"
        )
    did = parse_did(text)
    if did.method == "key":
        raise CoviaUsageError(
            "a did:key venue cannot be located without a URL: a did:key is only a public "
            "key, it says nothing about where the venue runs; connect with the venue's "
            "https:// URL (or its did:web DID) instead"
        )
    if did.method != "web":
        raise CoviaUsageError(
            f"did:{did.method} cannot locate a venue: use an https:// URL or a did:web DID"
        )
    return VenueAddress(did_web_to_url(did), str(did))


def parse_venue_address(text: str) -> VenueAddress:
    """Parse what a user passed to ``Grid.connect``: an http(s) URL or a did:web DID."""
    if not isinstance(text, str):
        raise CoviaUsageError(f"a venue address must be a string, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise CoviaUsageError("the venue address is empty")
    if text[:4].lower() == "did:":
        address = _from_did(text)
    else:
        # '@' is legal in a URL path, but in a venue address it is far likelier to be a
        # password holding a '/' ("https://u:pa/ss@host"), so it is refused anywhere.
        if "@" in text:
            raise CoviaUsageError(
                "the address contains '@': a user name or password ('user:password@') "
                "cannot be part of it; pass credentials with auth= instead"
            )
        base = parse_base_url(text)
        stripped = base.without_api_root()
        if stripped.without_api_root() != stripped:
            raise CoviaUsageError(f"the address ends with {_API_ROOT} twice")
        address = VenueAddress(str(stripped))
    if not address.secure and not _is_loopback(address.base_url):
        # Loopback traffic never leaves the machine: nothing to warn about there.
        # The base URL cannot hold credentials (they are refused above), so it is safe to log.
        _log.warning(
            "venue %s is reached over plain http: the connection is not encrypted, so "
            "requests, responses and any credentials sent can be read or changed in transit",
            address.base_url,
        )
    return address


def _is_loopback(base_url: str) -> bool:
    """Whether ``base_url`` names this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
