"""Multi-step asset flows: register then read back, and content moved as streams
with its SHA-256 checked on the way (venue-api.md §3.2, §5.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from covia_proto.asset_id import asset_id_of_json
from covia_proto.endpoints import assets
from covia_proto.errors import (
    AssetIdMismatchError,
    ContentHashError,
    CoviaUsageError,
    VenueProtocolError,
)
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import CloseStream, Emit, Flow, ReadChunk
from covia_proto.flows.send import open_stream, read_error_body, send, send_request
from covia_proto.hexid import normalize_hex, parse_hex
from covia_proto.http import ResponseHead
from covia_proto.limits import body_too_large
from covia_proto.models import AssetDocument

__all__ = [
    "ContentDownload",
    "download_content",
    "register_asset",
    "stream_content",
    "upload_content",
]


def register_asset(
    context: VenueContext, metadata: Mapping[str, Any] | str | bytes
) -> Flow[AssetDocument]:
    """Register ``metadata`` and read the asset back under the id the venue gave it.

    Registration is idempotent on the venue (the id is the hash of the metadata), so
    the POST may safely be retried.
    """
    call = assets.register_asset(context.endpoint, metadata)
    call = attrs.evolve(call, request=attrs.evolve(call.request, idempotent=True))
    verify = context.verify_asset_ids
    # Computed before sending, so metadata the venue cannot read fails here, clearly.
    expected = asset_id_of_json(call.request.body) if verify else None
    asset_id = yield from send(context, call)
    if expected is not None and asset_id != expected:
        raise AssetIdMismatchError(
            expected,
            asset_id,
            what="the venue registered the metadata sent under another id",
            request=call.request.info,
        )
    return (yield from send(context, assets.get_asset(context.endpoint, asset_id, verify=verify)))


@attrs.frozen
class ContentDownload:
    """What a finished download learnt: the content's hash and size, and what the venue
    said about it. ``verified`` is true when the hash was checked against metadata."""

    sha256: str
    size: int
    content_type: str | None
    file_name: str | None
    verified: bool


def download_content(
    context: VenueContext,
    asset_id: str,
    *,
    expected_sha256: str | None = None,
    verify: bool = True,
    max_size: int | None = None,
    on_size: Callable[[int | None], None] | None = None,
) -> Flow[ContentDownload]:
    """Emit the content's bytes chunk by chunk and check their SHA-256 at the end.

    Without ``expected_sha256`` the hash declared in the asset's metadata is used (one
    extra request). A mismatch raises ``ContentHashError`` after the last chunk: a
    consumer writing a file must discard it then. ``max_size`` is for a consumer that
    keeps the whole content in memory: past it (or a larger declared length) the
    download stops with ``VenueProtocolError`` naming ``max_body_size``. ``on_size`` is
    told the length the venue declares (``Content-Length``; None if it declares none)
    before the first chunk, for a progress bar. The content is hashed even when there
    is nothing to check it against: the result reports its SHA-256
    (``stream_content`` spares that work when the hash is not wanted).
    """
    got = yield from _download(
        context, asset_id, expected_sha256, verify, max_size, on_size, always_hash=True
    )
    assert got.digest is not None
    return ContentDownload(
        sha256=got.digest,
        size=got.size,
        content_type=got.head.header("content-type"),
        file_name=got.head.header("filename"),
        verified=got.verified,
    )


def stream_content(
    context: VenueContext,
    asset_id: str,
    *,
    expected_sha256: str | None = None,
    verify: bool = True,
    max_size: int | None = None,
) -> Flow[bool]:
    """``download_content`` for a consumer that only wants the bytes: they are hashed
    only to be checked (``verify`` and a hash expected or declared), and the flow
    returns whether they were. A mismatch still raises ``ContentHashError`` after the
    last chunk."""
    got = yield from _download(
        context, asset_id, expected_sha256, verify, max_size, None, always_hash=False
    )
    return got.verified


@attrs.frozen
class _Downloaded:
    digest: str | None  # None when the content was not hashed
    size: int
    head: ResponseHead
    verified: bool


def _download(
    context: VenueContext,
    asset_id: str,
    expected_sha256: str | None,
    verify: bool,
    max_size: int | None,
    on_size: Callable[[int | None], None] | None,
    *,
    always_hash: bool,
) -> Flow[_Downloaded]:
    expected = _expected_hash(expected_sha256)
    if verify and expected is None:
        document = yield from send(
            context,
            assets.get_asset(context.endpoint, asset_id, verify=context.verify_asset_ids),
        )
        content = document.metadata.content
        expected = content.sha256 if content is not None else None
    request = assets.content_request(context.endpoint, asset_id)
    opened = yield from open_stream(context, request)
    head = opened.head
    if not 200 <= head.status < 300:
        body = yield from read_error_body(context, opened.handle, request.info)
        yield CloseStream(opened.handle)
        assets.check_content_head(head, body, request.info, normalize_hex(asset_id.strip()))
    # With a Content-Encoding the length is that of the encoded body, while drivers
    # hand over the decoded bytes (the ones the SHA-256 is of): nothing to compare.
    encoding = (head.header("content-encoding") or "identity").strip().lower()
    declared = _content_length(head.header("content-length")) if encoding == "identity" else None
    if max_size is not None and declared is not None and declared > max_size:
        yield CloseStream(opened.handle)
        raise body_too_large(max_size, request.info)
    if on_size is not None:
        on_size(declared)
    checked = verify and expected is not None
    # Hashing is most of the client's work on a fast link: done only when wanted.
    hasher = context.hasher() if checked or always_hash else None
    try:
        size = 0
        read = ReadChunk(opened.handle)
        while True:
            chunk: bytes = yield read
            if not chunk:
                break
            if hasher is not None:
                hasher.update(chunk)
            size += len(chunk)
            if max_size is not None and size > max_size:
                yield CloseStream(opened.handle)
                raise body_too_large(max_size, request.info)
            yield Emit(chunk)
        yield CloseStream(opened.handle)
        if declared is not None and size != declared:
            message = f"content ended after {size} of {declared} bytes"
            raise VenueProtocolError(message, request=request.info)
        digest = hasher.hexdigest() if hasher is not None else None
    finally:
        # A shell's hasher may hold a worker thread: it ends with the download, however
        # the download ends (finished, failed, or its consumer gone).
        close = getattr(hasher, "close", None)
        if close is not None:
            close()
    if checked and digest != expected:
        assert expected is not None
        assert digest is not None
        raise ContentHashError(expected, digest, request=request.info)
    return _Downloaded(digest, size, head, checked)


def _expected_hash(value: str | None) -> str | None:
    if value is None:
        return None
    digest = parse_hex(value.strip())
    if digest is None or len(digest) != 64:
        raise CoviaUsageError(f"expected_sha256 is not a SHA-256 hex digest: {value!r}")
    return digest


def _content_length(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def upload_content(
    context: VenueContext,
    asset_id: str,
    data: bytes = b"",
    *,
    stream: object = None,
    content_type: str | None = None,
) -> Flow[str]:
    """Upload content (``data``, or a driver-level ``stream`` of chunks) and return the
    SHA-256 the venue stored it under. The venue checks it against the metadata; for
    ``data`` the SDK also checks the venue's answer against the bytes it sent."""
    wanted = normalize_hex(asset_id.strip())
    request = assets.put_content_request(
        context.endpoint, asset_id, data, content_type=content_type
    )
    response = yield from send_request(context, request, body_stream=stream, content=True)
    digest = assets.parse_content_hash(response, request.info, asset_id=wanted)
    if stream is None:
        sent = hashlib.sha256(data).hexdigest()
        if digest != sent:
            raise ContentHashError(sent, digest, request=request.info)
    return digest
