"""The list envelope and its paging rules (venue-api.md §3.2.1), shared by the asset list
and, in the ``latest`` profile, the jobs list (§3.14)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from covia_proto.testing.wire import parse_java_int

__all__ = ["MAX_PAGE", "PageError", "page"]

MAX_PAGE: Final = 1000


class PageError(ValueError):
    """A paging parameter the venue refuses with 400; the message is the venue's."""


def page(
    items: Sequence[str], query: Mapping[str, list[str]], *, noun: str = "assets"
) -> dict[str, Any]:
    """The envelope ``{total, offset, limit, items}`` for ``offset``/``limit`` in
    ``query``. Without a limit the reported limit is what the page holds; an explicit
    limit is reported verbatim even when fewer items remain."""
    raw_offset = query.get("offset", [None])[0]
    raw_limit = query.get("limit", [None])[0]
    offset = 0 if raw_offset is None else parse_java_int(raw_offset)
    limit = None if raw_limit is None else parse_java_int(raw_limit)
    if offset is None or (raw_limit is not None and limit is None):
        raise PageError("Invalid offset or limit")
    offset = max(offset, 0)
    total = len(items)
    if limit is None:
        limit = min(max(0, total - offset), MAX_PAGE)
    elif limit < 0:
        raise PageError("Negative limit")
    elif limit > MAX_PAGE:
        raise PageError(f"Too many {noun} requested: {limit}")
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "items": list(items[offset : offset + limit]),
    }
