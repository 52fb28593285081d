"""Assets: list, register, metadata and content (venue-api.md §3.2, §5)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from covia_proto.asset_id import referenced_asset_id, verify_asset_id
from covia_proto.converter import structure
from covia_proto.endpoints.call import Call
from covia_proto.endpoints.endpoint import JSON, Endpoint, hex_segment
from covia_proto.endpoints.responses import (
    ErrorContext,
    as_page,
    check,
    error_for,
    parse_json,
    parse_model,
    unexpected_status,
)
from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError
from covia_proto.hexid import is_hex_id, normalize_hex, parse_hex
from covia_proto.http import Request, Response, ResponseHead
from covia_proto.models import AssetDocument, AssetList, AssetMetadata

__all__ = [
    "MAX_PAGE",
    "check_content_head",
    "content_request",
    "get_asset",
    "list_assets",
    "parse_asset",
    "parse_asset_list",
    "parse_content_hash",
    "parse_registered_id",
    "put_content",
    "put_content_request",
    "referenced_hash",
    "register_asset",
]

MAX_PAGE = 1000  # the venue refuses larger pages (§3.2.1)


def list_assets(
    endpoint: Endpoint,
    *,
    offset: int | None = None,
    limit: int | None = None,
    kind: str | None = None,
) -> Call[AssetList]:
    """``GET /assets``. ``kind`` (operation|data) is honoured by newer venues only."""
    _check_page(offset, limit)
    url = endpoint.api_url("assets", query={"offset": offset, "limit": limit, "kind": kind})
    return Call(endpoint.request("GET", url), parse_asset_list)


def _check_page(offset: int | None, limit: int | None) -> None:
    for name, value in (("offset", offset), ("limit", limit)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise CoviaUsageError(f"{name} must be a non-negative integer, not {value!r}")
    if limit is not None and limit > MAX_PAGE:
        raise CoviaUsageError(f"limit must be at most {MAX_PAGE}, not {limit}")


def parse_asset_list(response: Response, request: RequestInfo | None = None) -> AssetList:
    """The envelope ``{total, offset, limit, items}``, or the flat array of very old venues."""
    return parse_model(response, AssetList, request=request, prepare=as_page)


def register_asset(endpoint: Endpoint, metadata: Mapping[str, Any] | str | bytes) -> Call[str]:
    """``POST /assets``: the venue answers with the asset id it computed.

    Metadata given as text is sent as that text, so the venue stores it verbatim.
    """
    if isinstance(metadata, str | bytes):
        body = metadata.encode() if isinstance(metadata, str) else metadata
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise CoviaUsageError(f"asset metadata is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise CoviaUsageError("asset metadata must be a JSON object")
        request = endpoint.request("POST", endpoint.api_url("assets"), body=body, content_type=JSON)
    elif isinstance(metadata, Mapping):
        request = endpoint.request("POST", endpoint.api_url("assets"), json_body=dict(metadata))
    else:
        raise CoviaUsageError(
            f"asset metadata must be a mapping or JSON text, not {type(metadata).__name__}"
        )
    return Call(request, parse_registered_id)


def parse_registered_id(response: Response, request: RequestInfo | None = None) -> str:
    """The new asset's id: a JSON string of hex (``0x`` optional), or bare text."""
    check(response, request=request)
    text = response.body.decode("utf-8", "replace").strip()
    if text.startswith('"'):
        value = parse_json(response.body, request=request, what="registered asset id")
        text = value if isinstance(value, str) else ""
    asset_id = parse_hex(text)
    if asset_id is None:
        location = response.header("location") or ""
        asset_id = parse_hex(location.rstrip("/").rsplit("/", 1)[-1])
    if asset_id is None:
        raise VenueProtocolError(
            f"venue did not return an asset id (got {text[:80]!r})", request=request
        )
    return asset_id


def get_asset(endpoint: Endpoint, asset_id: str, *, verify: bool = True) -> Call[AssetDocument]:
    """``GET /assets/{id}``. A content-addressed reference (``a/<hash>``,
    ``did:…/a/<hash>``) is asked for by its hash: the hash names the same metadata on
    every venue, and the 0.1 venue reads bare ids only (a reference is a 400 there).
    With ``verify``, metadata asked for by hash, or sent with an ETag, must hash to
    that id (``AssetIdMismatchError``)."""
    segment = hex_segment(asset_id, "asset id")  # checks the type first
    wanted = referenced_hash(asset_id.strip()) or normalize_hex(asset_id.strip())
    if is_hex_id(wanted):
        segment = wanted
    request = endpoint.request("GET", endpoint.api_url("assets", segment))
    return Call(
        request,
        lambda response, info: parse_asset(response, info, asset_id=wanted, verify=verify),
    )


def referenced_hash(reference: str) -> str | None:
    """The hash a content-addressed reference names, as lower-case bare hex: a bare id,
    ``a/<hash>`` or ``did:…/a/<hash>``; None for other references (``w/data``)."""
    if (bare := parse_hex(reference)) is not None:
        return bare
    head, slash, tail = reference.rpartition("/")
    if slash and (head == "a" or head.endswith("/a")):
        return parse_hex(tail)
    return None


def parse_asset(
    response: Response,
    request: RequestInfo | None = None,
    *,
    asset_id: str = "",
    verify: bool = False,
) -> AssetDocument:
    """Metadata comes back as ``text/plain`` text that must be parsed as a JSON object.
    With ``verify``, the text exactly as served is checked against the id it was asked
    for (``AssetIdMismatchError``)."""
    check(response, request=request, context=ErrorContext.asset(asset_id))
    data = parse_json(response.body, request=request, what="asset metadata")
    if data is None:
        # A venue registers a body of ``null`` as the empty asset ``{}`` and from then on
        # serves that asset's text as ``null`` (observed on the real venue): one document.
        data = {}
    if not isinstance(data, dict):
        raise VenueProtocolError("asset metadata is not a JSON object", request=request)
    metadata = structure(data, AssetMetadata)  # every field lenient: never refused
    etag_header = response.header("etag")
    etag = parse_hex(etag_header.strip().removeprefix("W/").strip('"')) if etag_header else None
    if etag and parse_hex(asset_id) and etag != asset_id:
        raise VenueProtocolError(
            f"venue sent asset {etag} when asked for {asset_id}", request=request
        )
    expected = etag or referenced_asset_id(asset_id)
    if verify and expected is not None:
        verify_asset_id(expected, response.body, request=request)
    return AssetDocument(
        id=etag or asset_id,
        text=response.body.decode("utf-8"),
        data=data,
        metadata=metadata,
        etag=etag,
    )


def content_request(endpoint: Endpoint, asset_id: str, *, inline: bool = False) -> Request:
    """``GET /assets/{id}/content``, to be opened as a stream.

    It asks for the bytes as stored (``Accept-Encoding: identity``, unless the caller's
    headers ask otherwise): the venue (Jetty) gzips content on the fly for a client that
    accepts it, at about 44 MiB/s here against 780 MiB/s as stored, and content is
    mostly incompressible anyway. requests and aiohttp accept gzip by default."""
    url = endpoint.api_url(
        "assets",
        hex_segment(asset_id, "asset id"),
        "content",
        query={"inline": "true" if inline else None},
    )
    return endpoint.request("GET", url, accept="*/*", accept_encoding="identity")


def check_content_head(
    head: ResponseHead, error_body: bytes, request: RequestInfo | None, asset_id: str
) -> None:
    """Raise the error a content download answered with (its body read by the caller)."""
    if head.status >= 400:
        raise error_for(head, error_body, request=request, context=ErrorContext.asset(asset_id))
    if not 200 <= head.status < 300:
        raise unexpected_status(head, request=request)


def put_content_request(
    endpoint: Endpoint, asset_id: str, body: bytes = b"", *, content_type: str | None = None
) -> Request:
    """``PUT /assets/{id}/content``; the body may instead be streamed by the driver."""
    url = endpoint.api_url("assets", hex_segment(asset_id, "asset id"), "content")
    return endpoint.request(
        "PUT", url, body=body, content_type=content_type or "application/octet-stream"
    )


def put_content(
    endpoint: Endpoint, asset_id: str, body: bytes, *, content_type: str | None = None
) -> Call[str]:
    request = put_content_request(endpoint, asset_id, body, content_type=content_type)
    wanted = normalize_hex(asset_id.strip())
    return Call(request, lambda response, info: parse_content_hash(response, info, asset_id=wanted))


def parse_content_hash(
    response: Response, request: RequestInfo | None = None, *, asset_id: str = ""
) -> str:
    """The SHA-256 the venue stored the content under: ``"0x<hex>"``, as bare hex."""
    check(response, request=request, context=ErrorContext.asset(asset_id))
    value = parse_json(response.body, request=request, what="content hash")
    digest = parse_hex(value) if isinstance(value, str) else None
    if digest is None or len(digest) != 64:
        raise VenueProtocolError(
            f"venue did not return a SHA-256 hash (got {value!r:.80})", request=request
        )
    return digest
