"""Route handlers for the venue's status, discovery and DID documents, assets and
operations (venue-api.md §3.1–3.3, §3.8–3.9). Each takes the venue state, the call and
the path parameters, and returns a reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from covia_proto.http import Response, ResponseHead
from covia_proto.testing.asset_store import NotAnObject, content_sha256
from covia_proto.testing.list_pages import PageError, page
from covia_proto.testing.replies import Reply, Streamed
from covia_proto.testing.venue_did import asset_did_document, user_did_document, venue_did_document
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import (
    A2A_TYPE,
    BARE_JSON_TYPE,
    CORS_HEADERS,
    BadJson,
    TooLongNumber,
    external_base,
    json_error,
    json_response,
    parse_hex,
    read_all,
    text_response,
    unexpected,
)

__all__ = [
    "agent_card",
    "asset_did",
    "did_document",
    "download",
    "get_asset",
    "get_operation",
    "list_assets",
    "list_operations",
    "mcp_discovery",
    "register_asset",
    "status",
    "upload",
    "user_did",
]

LATEST_VERSION: Final = "0.9.11-sim"


def status(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    body: dict[str, Any] = {"status": "OK", "ts": venue.now_ms(), "did": venue.did}
    if venue.name is not None:
        body["name"] = venue.name
    body["url"] = external_base(call.request)
    stats = {
        "assets": len(venue.assets),
        "users": len(venue.oauth_users),
        "ops": len(venue.catalog),
    }
    if venue.latest:
        body["version"] = LATEST_VERSION
        stats["jobs"] = sum(1 for job in venue.jobs if not job.private)
        stats["userJobs"] = sum(1 for job in venue.jobs if job.caller == call.caller)
    body["stats"] = stats
    return json_response(200, body)


def did_document(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    # The venue means application/did+json, but its JSON writer wins (§2.2).
    endpoint = external_base(call.request, "/api/v1")
    return json_response(200, venue_did_document(venue.did, endpoint))


def asset_did(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    return json_response(200, asset_did_document(venue.did, params[0]))


def user_did(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    if params[0] not in venue.oauth_users:
        return json_error(404, f"User not found: {params[0]}")
    return json_response(200, user_did_document(venue.did, f"{venue.did}:u:{params[0]}"))


def mcp_discovery(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    base = external_base(call.request, with_extras=False)
    return json_response(
        200,
        {
            "mcp_version": "1.0",
            "server_url": base + "/mcp",
            "description": venue.name,
            "endpoint": {"path": "/mcp", "transport": "streamable-http"},
        },
        content_type=BARE_JSON_TYPE,  # the MCP library's bare type (measured)
    )


VENUE_VERSION: Final = "0.2.0-SNAPSHOT"  # what the real venue reports (pom version)


def agent_card(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    base = external_base(call.request)
    card = {
        "name": "covia-venue-agent",
        "description": "Covia Venue Agent — federated AI orchestration over the A2A protocol",
        "provider": {"organization": venue.name or "Covia", "url": "https://covia.ai"},
        "version": VENUE_VERSION,
        "capabilities": {
            "streaming": True,
            "pushNotifications": False,
            "extendedAgentCard": False,
        },
        "defaultInputModes": ["text/plain", "application/json"],
        "defaultOutputModes": ["text/plain", "application/json"],
        "skills": [],
        "supportedInterfaces": [
            {
                "protocolBinding": "JSONRPC",
                "url": base + "/a2a",
                "tenant": "",
                "protocolVersion": "1.0",
            }
        ],
    }
    return json_response(200, card, content_type=A2A_TYPE)


# -- assets --------------------------------------------------------------------


def list_assets(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    ids = venue.assets.ids()
    kind = call.param("kind") if venue.latest else None
    if kind is not None:
        ids = [asset.id for asset in venue.assets if asset.kind == kind]
    try:
        return json_response(200, page(ids, call.query))
    except PageError as exc:
        return json_error(400, str(exc))


def register_asset(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    try:
        text = read_all(call.body).decode("utf-8")
        if text.strip() == "null":
            # The venue registers null as {} and then serves the text it was sent, so
            # the installed empty asset reads back as null (measured).
            ident = venue.assets.register("{}")
            venue.assets.keep_text(ident, text)
        else:
            ident = venue.assets.register(text)
    except TooLongNumber as exc:
        return unexpected("java.lang.NumberFormatException", exc)
    except (BadJson, UnicodeDecodeError) as exc:
        return json_error(400, f"Unable to parse asset metadata: {exc}")
    except NotAnObject:
        return unexpected(
            "java.lang.IllegalArgumentException", "Metadata is not a valid JSON object"
        )
    venue.changed()
    return json_response(201, ident, [("Location", f"/api/v1/assets/{ident}")])


def _asset_ref(venue: Venue, ref: str) -> str:
    """Newer venues also take references here (§3.14); the simulator knows the
    immutable ones: ``/a/<hex>``, ``a/<hex>`` and ``<venueDID>/a/<hex>``."""
    for prefix in (venue.did + "/a/", "/a/", "a/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def get_asset(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    raw = params[0]
    ident = parse_hex(_asset_ref(venue, raw) if venue.latest else raw)
    if ident is None or len(ident) != 64:
        return json_error(400, f"Invalid asset ID: {raw}")
    asset = venue.assets.get(ident)
    if asset is None:
        return json_error(404, f"Asset not found: {raw}")
    extra = [("ETag", f'"{ident}"')] if venue.latest else []
    return text_response(200, asset.text, extra)


def _content_asset(venue: Venue, raw: str) -> tuple[str, dict[str, Any]] | Response:
    ident = parse_hex(raw)
    asset = venue.assets.get(ident) if ident else None
    if asset is None:  # a malformed id finds nothing either (§3.2.4, unconfirmed)
        return json_error(404, f"Asset not found: {raw}")
    if not isinstance(asset.metadata.get("content"), dict):
        return json_error(404, f"Asset metadata does not specify any content object: {raw}")
    return asset.id, asset.metadata


def download(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    found = _content_asset(venue, params[0])
    if isinstance(found, Response):
        return found
    _, metadata = found
    sha = content_sha256(metadata)
    if sha is None:
        return unexpected("java.lang.IllegalArgumentException", "Invalid content hash")
    if not venue.content.has(sha):
        return json_error(404, f"Asset did not have any content available: {params[0]}")
    content = metadata["content"]
    kind = content.get("contentType")
    headers = [
        *CORS_HEADERS,
        ("Content-Type", kind if isinstance(kind, str) else "text/plain"),
        ("Content-Length", str(venue.content.size(sha))),
    ]
    if "fileName" in content:
        headers.append(("filename", str(content["fileName"])))
    if "inline" in call.query:
        headers.append(("Content-Disposition", "inline"))
    return Streamed(ResponseHead(200, tuple(headers)), venue.content.open(sha))


def upload(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    found = _content_asset(venue, params[0])
    if isinstance(found, Response):
        return found
    _, metadata = found
    expected = content_sha256(metadata)
    prefix = "Cannot PUT asset content: "
    if expected is None:
        return json_error(400, prefix + "Metadata does not have valid content hash")
    staged = venue.content.stage(call.body, venue.max_content_size)
    if staged is None:
        return json_error(
            400, prefix + f"Content exceeds maximum size of {venue.max_content_size} bytes"
        )
    if staged.sha256 != expected:
        venue.content.discard(staged)
        return json_error(
            400,
            prefix + f"Content hash mismatch. Expected: {expected}, Actual: {staged.sha256}",
        )
    venue.content.commit(staged)
    venue.changed()
    return json_response(200, "0x" + staged.sha256)


# -- operations ----------------------------------------------------------------


def _operation_entry(name: str, ident: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "asset": ident}
    if "description" in metadata:
        entry["description"] = metadata["description"]
    operation = metadata.get("operation")
    for field in ("input", "output"):
        if isinstance(operation, dict) and field in operation:
            entry[field] = operation[field]
    return entry


def list_operations(venue: Venue, call: Call, _: tuple[str, ...]) -> Reply:
    return json_response(
        200,
        [
            _operation_entry(path, venue.catalog[path], metadata)
            for path, metadata in venue.catalog_entries()
        ],
    )


def get_operation(venue: Venue, call: Call, params: tuple[str, ...]) -> Reply:
    name = params[0]
    resolved = venue.resolve_operation(name)
    if resolved is None:
        return json_error(404, f"Operation not found: {name}")
    return json_response(200, _operation_entry(name, *resolved))
