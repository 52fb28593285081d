"""DIDs: parsing, did:web <-> URL mapping, did:key public keys and DID URLs.

Syntax follows W3C DID Core 1.0 (§3.1, §3.2); did:web follows the did:web method
specification with one deliberate change taken from the venue's Java client: a
loopback host (``localhost``, ``127.x.x.x``, ``[::1]``) maps to ``http://`` so a local
venue is reachable by its DID (venue-api.md §6.2).

Decisions worth knowing:

* Canonical text: the ``did`` scheme is lower-case and percent-encodings use upper-case
  hex (RFC 3986 §6.2.2.1), so ``did:web:h%3a1`` and ``DID:web:h%3A1`` are equal.
* Hosts are ASCII only. A unicode (IDN) host is rejected with a message asking for its
  ``xn--`` form: the standard library only offers IDNA 2003, which maps some names (for
  example ones with ``ß``) to a *different* host than IDNA 2008 does, and connecting to
  a look-alike host silently is worse than asking.
* Default ports are dropped (``https://h:443`` is ``https://h``), host names are
  lower-cased, IPv6 literals are compressed, and a host whose last label is numeric must
  be a dotted-quad IPv4 address (so ``0x7f.1`` cannot sneak in as ``127.0.0.1``).
* did:web path segments are percent-decoded and re-encoded for the URL (and the
  reverse), so the mapping round-trips; ``.``, ``..``, empty segments and an encoded
  ``/`` are refused because they would change which document is fetched.
* Errors about a URL name the part that was wrong but never echo its port, userinfo,
  query or fragment, since those are where a mistyped credential would sit.
"""

from __future__ import annotations

import ipaddress
import re
import string
from typing import Final
from urllib.parse import quote, unquote_to_bytes

import attrs

from covia_proto.errors import CoviaUsageError
from covia_proto.hexid import parse_hex
from covia_proto.identity._base58 import b58decode, b58encode

__all__ = [
    "BaseUrl",
    "Did",
    "DidKey",
    "DidUrl",
    "did_web_document_url",
    "did_web_to_url",
    "parse_base_url",
    "parse_did",
    "parse_did_key",
    "parse_did_url",
    "url_to_did_web",
]

# -- generic DID syntax (DID Core §3.1, §3.2) -------------------------------------------

_PCT: Final = r"%[0-9A-Fa-f]{2}"
_IDCHAR: Final = rf"(?:[A-Za-z0-9._-]|{_PCT})"
_METHOD: Final = re.compile(r"[a-z0-9]+")
_IDENTIFIER: Final = re.compile(rf"(?:{_IDCHAR}*:)*{_IDCHAR}+")
_BAD_PCT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 pchar, and the extra characters a query or fragment may hold.
_PCHAR: Final = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
_PATH: Final = re.compile(rf"(?:/{_PCHAR}*)*")
_QUERY: Final = re.compile(rf"(?:{_PCHAR}|[/?])*")
_ID_ALLOWED: Final = frozenset(string.ascii_letters + string.digits + ".-_:%")


def _show(text: str) -> str:
    """``text`` quoted for an error message, cut short so a huge input stays readable."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _upper_pct(text: str) -> str:
    if not isinstance(text, str):
        return text  # the validator reports it
    return re.sub(_PCT, lambda m: m.group(0).upper(), text)


def _check_method(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _METHOD.fullmatch(value):
        raise CoviaUsageError(
            f"DID method {_show(str(value))} must be one or more lower-case letters or digits"
        )


def _check_identifier(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise CoviaUsageError("DID has an empty method-specific id")
    if _IDENTIFIER.fullmatch(value):
        return
    if any(c in value for c in "/?#"):
        raise CoviaUsageError(
            f"{_show(value)} has a path, query or fragment: that is a DID URL, not a DID "
            "(use parse_did_url)"
        )
    if _BAD_PCT.search(value):
        raise CoviaUsageError(f"DID id {_show(value)} has a malformed percent-encoding")
    bad = next((c for c in value if c not in _ID_ALLOWED), None)
    if bad is not None:
        raise CoviaUsageError(f"DID id {_show(value)} contains {bad!r}, which a DID cannot hold")
    raise CoviaUsageError(f"DID id {_show(value)} must not end with ':'")


@attrs.frozen
class Did:
    """A DID, ``did:<method>:<identifier>``; ``str()`` gives its canonical text."""

    method: str = attrs.field(validator=_check_method)
    identifier: str = attrs.field(converter=_upper_pct, validator=_check_identifier)

    def __str__(self) -> str:
        return f"did:{self.method}:{self.identifier}"


def _require_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise CoviaUsageError(f"{what} must be a string, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise CoviaUsageError(f"{what} is empty")
    return text


def parse_did(text: str) -> Did:
    """Parse a DID (surrounding whitespace ignored, ``did`` scheme in any case)."""
    text = _require_text(text, "a DID")
    if text[:4].lower() != "did:":
        raise CoviaUsageError(f"{_show(text)} is not a DID: it must start with 'did:'")
    method, colon, identifier = text[4:].partition(":")
    if not colon:
        raise CoviaUsageError(f"{_show(text)} is not a DID: expected 'did:<method>:<id>'")
    return Did(method, identifier)


def _as_did(did: Did | str) -> Did:
    return did if isinstance(did, Did) else parse_did(did)


# -- hosts and base URLs ----------------------------------------------------------------

_LABEL: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
# Characters RFC 3986 allows unencoded in a path segment, besides Python's always-safe ones.
_SEGMENT_SAFE: Final = "!$&'()*+,;=:@"
_USERINFO: Final = (
    "a user name or password ('user:password@') cannot be part of the address; "
    "pass credentials with auth= instead"
)


def _parse_port(text: str) -> int:
    # The port text is never echoed: with a mistyped "user:pass/..." it is the password.
    if not text:
        raise CoviaUsageError("the port after ':' is empty")
    if not re.fullmatch(r"[0-9]{1,5}", text) or not 0 < int(text) < 65536:
        raise CoviaUsageError("the port must be a number from 1 to 65535")
    return int(text)


def _check_host_name(host: str) -> str:
    if not host.isascii():
        raise CoviaUsageError(
            f"host {_show(host)} is not ASCII: give an internationalised name in its "
            "IDNA 'xn--' form"
        )
    host = host.lower()
    if host.endswith("."):
        raise CoviaUsageError(f"host {_show(host)} must not end with '.'")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise CoviaUsageError(f"{_show(host)} is not a valid host name")
    if labels[-1].isdigit():
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise CoviaUsageError(f"{_show(host)} is not a valid IPv4 address") from None
    return host


def _parse_host_port(authority: str) -> tuple[str, int | None]:
    """Split ``host[:port]`` (IPv6 in brackets) into a canonical host and a port."""
    if "@" in authority:
        raise CoviaUsageError(_USERINFO)
    if authority.startswith("["):
        literal, bracket, rest = authority[1:].partition("]")
        if not bracket:
            raise CoviaUsageError("an IPv6 host is missing its closing ']'")
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            raise CoviaUsageError(f"{_show(literal)} is not a valid IPv6 address") from None
        if address.scope_id is not None:
            raise CoviaUsageError("an IPv6 host must not carry a zone ('%…')")
        if rest and not rest.startswith(":"):
            raise CoviaUsageError("unexpected text after an IPv6 host's ']'")
        return f"[{address.compressed}]", _parse_port(rest[1:]) if rest else None
    host, colon, port_text = authority.partition(":")
    if ":" in port_text:
        raise CoviaUsageError("an IPv6 host must be written in brackets, like [::1]")
    if not host:
        raise CoviaUsageError("the address has no host")
    return _check_host_name(host), _parse_port(port_text) if colon else None


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "[::1]"):
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def _decode_segment(segment: str) -> bytes:
    raw = unquote_to_bytes(segment)
    if not raw:
        raise CoviaUsageError("the path has an empty segment ('//')")
    if raw in (b".", b".."):
        raise CoviaUsageError("the path must not contain '.' or '..' segments")
    if b"/" in raw:
        raise CoviaUsageError("a path segment must not contain an encoded '/' ('%2F')")
    return raw


def _url_segment(raw: bytes) -> str:
    return quote(raw, safe=_SEGMENT_SAFE)


def _did_segment(raw: bytes) -> str:
    # quote() always leaves '~' alone, but '~' is not a DID idchar.
    return quote(raw, safe="").replace("~", "%7E")


@attrs.frozen
class BaseUrl:
    """An http(s) base URL, ``scheme://host[:port][/path]``, in canonical form.

    Shared by did:web and venue addresses; build one with ``parse_base_url``. ``port``
    is None for the scheme's default port; ``path`` is "" or "/seg/…" with no trailing
    slash and upper-case percent-encodings.
    """

    scheme: str
    host: str
    port: int | None
    path: str = ""

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine (localhost, 127.0.0.0/8, [::1])."""
        return _is_loopback(self.host)

    @property
    def segments(self) -> tuple[bytes, ...]:
        """The path's segments, percent-decoded."""
        return tuple(unquote_to_bytes(s) for s in self.path.split("/")[1:])

    def without_api_root(self) -> BaseUrl:
        """This URL without a trailing ``/api/v1`` (users often paste the API root)."""
        if self.path.endswith("/api/v1"):
            return attrs.evolve(self, path=self.path[: -len("/api/v1")])
        return self

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


def _base_url(scheme: str, host: str, port: int | None, segments: list[bytes]) -> BaseUrl:
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    path = "".join("/" + _url_segment(raw) for raw in segments)
    return BaseUrl(scheme, host, port, path)


def parse_base_url(text: str) -> BaseUrl:
    """Parse an ``http://`` or ``https://`` base URL: no userinfo, query or fragment.

    One trailing ``/`` is dropped; a trailing ``/api/v1`` is kept (see
    ``BaseUrl.without_api_root``).
    """
    text = _require_text(text, "a URL")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise CoviaUsageError("the URL contains whitespace or a control character")
    match = _SCHEME.match(text)
    if match is None:
        raise CoviaUsageError("the URL has no scheme: write it as 'https://<host>'")
    scheme = match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise CoviaUsageError(
            f"unsupported scheme {_show(scheme)}: expected an https:// (or http://) URL"
        )
    rest = text[match.end() :]
    # Checked before splitting off the authority: a password may hide a '?' or '#'.
    if "@" in rest.partition("/")[0]:
        raise CoviaUsageError(_USERINFO)
    if "#" in rest:
        raise CoviaUsageError("the URL must not have a fragment ('#…')")
    if "?" in rest:
        raise CoviaUsageError("the URL must not have a query string ('?…')")
    slash = rest.find("/")
    authority, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    host, port = _parse_host_port(authority)
    path = path.removesuffix("/")
    if not path.isascii() or not _PATH.fullmatch(path):
        raise CoviaUsageError(
            "the URL path holds a character a URL cannot carry unencoded; percent-encode it"
        )
    segments = [_decode_segment(s) for s in path.split("/")[1:]]
    return _base_url(scheme, host, port, segments)


# -- did:web ----------------------------------------------------------------------------


def _did_web_base(did: Did | str) -> BaseUrl:
    if isinstance(did, str):
        text = did.strip()
        if text[:8].lower() == "did:web:" and any(c in text for c in "/?#"):
            raise CoviaUsageError(
                f"{_show(text)} has a path, query or fragment; a did:web DID writes its "
                "path with ':' (did:web:example.com:u:alice)"
            )
    did = _as_did(did)
    if did.method != "web":
        raise CoviaUsageError(f"{str(did)!r} is not a did:web DID")
    host_part, *path_parts = did.identifier.split(":")
    try:
        authority = unquote_to_bytes(host_part).decode("ascii")
    except UnicodeDecodeError:
        raise CoviaUsageError(
            "the did:web host is not ASCII: give an internationalised name in its IDNA 'xn--' form"
        ) from None
    host, port = _parse_host_port(authority)
    scheme = "http" if _is_loopback(host) else "https"
    return _base_url(scheme, host, port, [_decode_segment(p) for p in path_parts])


def did_web_to_url(did: Did | str) -> str:
    """The base URL of a did:web DID's HTTP home, without a trailing slash.

    ``did:web:example.com%3A3000:u:alice`` -> ``https://example.com:3000/u/alice``;
    loopback hosts map to ``http://``.
    """
    return str(_did_web_base(did))


def did_web_document_url(did: Did | str) -> str:
    """Where a did:web DID's document lives (``/.well-known/did.json`` for a bare host)."""
    base = _did_web_base(did)
    return f"{base}/did.json" if base.path else f"{base}/.well-known/did.json"


def url_to_did_web(url: str) -> str:
    """The did:web DID of an https URL (or http on a loopback host).

    ``:`` before the port becomes ``%3A``, each ``/`` of the path becomes ``:``, and a
    trailing ``/api/v1`` is not part of the DID.
    """
    base = parse_base_url(url).without_api_root()
    if base.scheme == "http" and not _is_loopback(base.host):
        raise CoviaUsageError(
            "did:web is resolved over https; an http:// URL maps to a did:web only on a "
            "loopback host"
        )
    authority = base.host if base.port is None else f"{base.host}:{base.port}"
    parts = [quote(authority, safe="")] + [_did_segment(raw) for raw in base.segments]
    return str(Did("web", ":".join(parts)))


# -- did:key ----------------------------------------------------------------------------

# Multicodec prefix (unsigned varint) -> key type and public key length.
_MULTICODECS: Final = {b"\xed\x01": ("Ed25519", 32)}
# Long enough for any key in _MULTICODECS; bounds the quadratic big-int decode.
_MAX_MULTIBASE: Final = 128


def _decode_multikey(multibase: str) -> tuple[str, bytes]:
    if not multibase.startswith("z"):
        raise CoviaUsageError("a did:key must use base58btc multibase (a 'z' prefix)")
    if len(multibase) > _MAX_MULTIBASE:
        raise CoviaUsageError("the did:key is too long for any supported key type")
    data = b58decode(multibase[1:])
    if len(data) < 2:
        raise CoviaUsageError("the did:key is too short to hold a key")
    for prefix, (key_type, length) in _MULTICODECS.items():
        if data.startswith(prefix):
            key = data[len(prefix) :]
            if len(key) != length:
                raise CoviaUsageError(
                    f"a did:key {key_type} public key must be {length} bytes, not {len(key)}"
                )
            return key_type, key
    # A truncated or padded Ed25519 key garbles the prefix too, so say both facts.
    raise CoviaUsageError(
        f"unsupported or corrupt did:key: it decodes to multicodec prefix "
        f"0x{data[:2].hex()} and {len(data)} bytes; only Ed25519 keys (prefix 0xed01 and "
        "32 bytes, written 'z6Mk' + 44 characters) are supported"
    )


@attrs.frozen
class DidKey:
    """A did:key: a public key named by itself (``did:key:z6Mk…`` for Ed25519)."""

    multibase: str
    public_key: bytes
    key_type: str

    def __attrs_post_init__(self) -> None:
        if _decode_multikey(self.multibase) != (self.key_type, self.public_key):
            raise CoviaUsageError("DidKey fields disagree: multibase does not encode the key")

    @classmethod
    def from_public_key(
        cls, public_key: bytes | bytearray | memoryview, key_type: str = "Ed25519"
    ) -> DidKey:
        """The did:key of a raw public key."""
        if not isinstance(public_key, bytes | bytearray | memoryview):
            raise CoviaUsageError("a did:key public key must be bytes")
        prefix = next((p for p, (t, _) in _MULTICODECS.items() if t == key_type), None)
        if prefix is None:
            raise CoviaUsageError(f"unsupported did:key key type {key_type!r}")
        return cls("z" + b58encode(prefix + bytes(public_key)), bytes(public_key), key_type)

    @property
    def did(self) -> Did:
        return Did("key", self.multibase)

    def __str__(self) -> str:
        return f"did:key:{self.multibase}"


def parse_did_key(text: Did | str) -> DidKey:
    """Parse ``did:key:z…`` and decode its public key."""
    did = _as_did(text)
    if did.method != "key":
        raise CoviaUsageError(f"{str(did)!r} is not a did:key DID")
    if ":" in did.identifier:
        raise CoviaUsageError(
            "a did:key id is one multibase value; an identity such as 'did:key:z…:public' "
            "is not itself a key"
        )
    key_type, key = _decode_multikey(did.identifier)
    return DidKey(did.identifier, key, key_type)


# -- DID URLs (DID Core §3.2) -----------------------------------------------------------


def _check_path(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _PATH.fullmatch(value):
        raise CoviaUsageError(f"DID URL path {_show(str(value))} is not a valid URL path")


def _check_query(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _QUERY.fullmatch(value)):
        raise CoviaUsageError(f"DID URL {attribute.name} {_show(str(value))} is not valid")


def _upper_pct_optional(text: str | None) -> str | None:
    return None if text is None else _upper_pct(text)


@attrs.frozen
class DidUrl:
    """A DID URL: a DID with an optional path, query and fragment.

    The venue uses paths as namespaces: ``/a/<hex>`` for an asset, ``/v/…`` for a named
    binding, ``/w/…``, ``/o/…`` and others for a user's lattice data (venue-api.md §6.3).
    """

    did: Did = attrs.field(validator=attrs.validators.instance_of(Did))
    path: str = attrs.field(default="", converter=_upper_pct, validator=_check_path)
    query: str | None = attrs.field(
        default=None, converter=_upper_pct_optional, validator=_check_query
    )
    fragment: str | None = attrs.field(
        default=None, converter=_upper_pct_optional, validator=_check_query
    )

    @property
    def namespace(self) -> str | None:
        """The first path segment ("a", "v", "w", "o", …), or None without one."""
        first = self.path.split("/")[1] if self.path else ""
        return first or None

    @property
    def asset_id(self) -> str | None:
        """The asset's lower-case bare hex id for a ``/a/<hex>`` path, else None."""
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "a":
            return parse_hex(parts[2])
        return None

    def __str__(self) -> str:
        query = "" if self.query is None else f"?{self.query}"
        fragment = "" if self.fragment is None else f"#{self.fragment}"
        return f"{self.did}{self.path}{query}{fragment}"


_DID_URL: Final = re.compile(r"([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.DOTALL)


def parse_did_url(text: str) -> DidUrl:
    """Parse a DID URL such as ``did:web:venue.example.com/v/ops/json/merge``."""
    text = _require_text(text, "a DID URL")
    match = _DID_URL.fullmatch(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        raise CoviaUsageError(f"{_show(text)} is not a DID URL")
    did_text, path, query, fragment = match.groups()
    return DidUrl(parse_did(did_text), path, query, fragment)
