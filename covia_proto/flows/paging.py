"""Listing everything: assets and jobs across pages.

Venues answer either a flat array (everything at once: 0.1 jobs, very old asset lists)
or an envelope ``{items, total, offset, limit}``. Paging stops when ``total`` is
reached, on an empty page, or on a page that does not advance — a venue that repeats
itself cannot keep a client looping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from covia_proto.endpoints import assets, jobs
from covia_proto.endpoints.call import Call
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow
from covia_proto.flows.send import send
from covia_proto.models import AssetList, JobList

__all__ = ["list_all", "list_all_assets", "list_all_jobs"]


class _Page(Protocol):
    @property
    def items(self) -> tuple[str, ...]: ...

    @property
    def total(self) -> int: ...

    @property
    def offset(self) -> int: ...


P = TypeVar("P", bound=_Page)


def list_all(
    context: VenueContext,
    page: Callable[[int, int], Call[P]],
    page_size: int,
) -> Flow[tuple[str, ...]]:
    """Every item of a paged listing, in order, without duplicates."""
    items: list[str] = []
    seen: set[str] = set()
    offset = 0
    while True:
        result = yield from send(context, page(offset, page_size))
        fresh = [item for item in result.items if item not in seen]
        seen.update(fresh)
        items.extend(fresh)
        next_offset = result.offset + len(result.items)
        if not result.items or not fresh or next_offset <= offset or len(items) >= result.total:
            return tuple(items)
        offset = next_offset


def list_all_assets(
    context: VenueContext, *, kind: str | None = None, page_size: int = assets.MAX_PAGE
) -> Flow[tuple[str, ...]]:
    """Every asset id the venue lists (``kind`` is honoured by newer venues only)."""

    def page(offset: int, limit: int) -> Call[AssetList]:
        return assets.list_assets(context.endpoint, offset=offset, limit=limit, kind=kind)

    return (yield from list_all(context, page, page_size))


def list_all_jobs(context: VenueContext, *, page_size: int = 100) -> Flow[tuple[str, ...]]:
    """Every job id the caller may see, oldest first."""

    def page(offset: int, limit: int) -> Call[JobList]:
        return jobs.list_jobs(context.endpoint, offset=offset, limit=limit)

    return (yield from list_all(context, page, page_size))
