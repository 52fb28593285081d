"""The sync and async shells are twins: ``Venue``/``AsyncVenue``, ``Job``/``AsyncJob``,
``Asset``/``AsyncAsset`` and ``Grid``/``AsyncGrid`` have the same public names,
signatures and docstrings once the async side is read as sync (``tools/unasync.py``'s
word rules: ``AsyncJob`` → ``Job``, ``await x`` → ``x``, …), but for the differences
listed here, each with its reason.

The venue, job and asset are generated from their async twins (``tools/unasync.py``,
held current by ``tests/tools/test_unasync.py``), so for them this mostly documents the
differences their async source marks. The grids are written by hand: here is what holds
them together. A listed difference that no longer differs fails too, so the lists say
what differs now.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from covia import Asset, Grid, Job, Venue
from covia.async_api import AsyncAsset, AsyncGrid, AsyncJob, AsyncVenue
from tools.unasync import unasync_words

TWINS = [(Venue, AsyncVenue), (Job, AsyncJob), (Asset, AsyncAsset), (Grid, AsyncGrid)]

# Names one twin has and the other has not (named by the sync class).
ONLY_ASYNC = {
    # For contextlib.aclosing; a sync venue is closed by close() (contextlib.closing).
    "Venue.aclose",
    # A property cannot await the network: the async DID is fetched by this method and
    # read by the ``did`` property after that; the sync ``did`` property fetches it.
    "Venue.get_did",
}
ONLY_SYNC: set[str] = set()

# Members that are a property on one side and a method on the other.
KIND_DIFFERS = {
    # The sync property fetches the venue's DID when first read; the async one is a
    # method, awaited, for the same reason as ``get_did``.
    "Asset.did_url",
}

# Parts of a signature that differ ("return" for the result), by member.
SIGNATURE_DIFFERS = {
    # The async client also uploads from async iterables of chunks.
    "Venue.put_asset_content": {"data"},
    "Asset.put_content": {"data"},
    # Each client takes its own HTTP library's session (requests, aiohttp), and aiohttp
    # a TLS context too; ``limit`` caps the connections of the SDK's own aiohttp session
    # (requests' pool has no such knob). The async connect returns a connection that is
    # awaited or entered (the official SDK's lazy venue), the sync one the venue itself.
    "Grid.connect": {"session", "verify", "limit", "return"},
}

# Docstrings that differ once read as sync.
DOCSTRING_DIFFERS = {
    # Threads share a sync venue, tasks an async one.
    "Venue",
    # The DID: fetched by the sync property; read after ``get_did`` by the async one.
    "Venue.did",
    # A property and a method (see KIND_DIFFERS).
    "Asset.did_url",
    # The async client's file writes block its event loop, one chunk at a time.
    "Venue.download_asset_content",
    # The async client also uploads from async iterables (see SIGNATURE_DIFFERS).
    "Venue.put_asset_content",
    # The grids are written by hand; connect's documents each client's own transport
    # options and the async connection's use (awaited or entered).
    "Grid",
    "Grid.connect",
}


def public_members(cls: type) -> dict[str, Any]:
    """The public attributes of ``cls`` as defined (properties, functions, …)."""
    return {
        name: inspect.getattr_static(cls, name) for name in dir(cls) if not name.startswith("_")
    }


def kind(member: Any) -> str:
    """property, staticmethod, classmethod or method (async or not: that is the point)."""
    if callable(member) and not isinstance(member, staticmethod | classmethod):
        return "method"
    return type(member).__name__


def signature(member: Any) -> dict[str, tuple[Any, ...]]:
    """Each parameter's kind, default and annotation, and the result's annotation, as
    the sync API would write them."""
    function: Any = member.fget if isinstance(member, property) else member
    if isinstance(function, staticmethod | classmethod):
        function = function.__func__
    found = inspect.signature(function)
    parts: dict[str, tuple[Any, ...]] = {
        name: (p.kind, repr(p.default), unasync_words(str(p.annotation)))
        for name, p in found.parameters.items()
    }
    parts["return"] = (unasync_words(str(found.return_annotation)),)
    return parts


def docstring(member: Any) -> str:
    return inspect.cleandoc(getattr(member, "__doc__", None) or "")


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=lambda cls: cls.__name__)
def test_twins_have_the_same_names_but_for_the_listed_ones(sync: type, async_: type) -> None:
    sync_names = set(public_members(sync))
    async_names = set(public_members(async_))
    prefix = f"{sync.__name__}."
    assert {f"{prefix}{name}" for name in async_names - sync_names} == {
        name for name in ONLY_ASYNC if name.startswith(prefix)
    }
    assert {f"{prefix}{name}" for name in sync_names - async_names} == {
        name for name in ONLY_SYNC if name.startswith(prefix)
    }


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=lambda cls: cls.__name__)
def test_twins_have_the_same_kinds_and_signatures_but_for_the_listed_ones(
    sync: type, async_: type
) -> None:
    sync_members = public_members(sync)
    async_members = public_members(async_)
    for name in sorted(set(sync_members) & set(async_members)):
        qualified = f"{sync.__name__}.{name}"
        ours, theirs = sync_members[name], async_members[name]
        kinds_differ = kind(ours) != kind(theirs)
        assert kinds_differ == (qualified in KIND_DIFFERS), qualified
        if kinds_differ or kind(ours) not in ("method", "property", "staticmethod"):
            continue
        mine, twin = signature(ours), signature(theirs)
        differing = {part for part in mine.keys() | twin.keys() if mine.get(part) != twin.get(part)}
        assert differing == SIGNATURE_DIFFERS.get(qualified, set()), qualified


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=lambda cls: cls.__name__)
def test_twins_have_the_same_docstrings_but_for_the_listed_ones(sync: type, async_: type) -> None:
    sync_members = public_members(sync)
    async_members = public_members(async_)
    pairs = {sync.__name__: (sync, async_)}
    for name in set(sync_members) & set(async_members):
        pairs[f"{sync.__name__}.{name}"] = (sync_members[name], async_members[name])
    for qualified, (ours, theirs) in sorted(pairs.items()):
        mine, twin = docstring(ours), unasync_words(docstring(theirs))
        assert mine, f"{qualified} has no docstring"
        assert (mine != twin) == (qualified in DOCSTRING_DIFFERS), (qualified, mine, twin)


ASYNC_USE = re.compile(r"\bawait\b|\basync (def|with|for|iterator|context manager)\b")


def test_sync_docstrings_never_tell_the_reader_to_await() -> None:
    for sync, _ in TWINS:
        texts = [docstring(sync), *(docstring(m) for m in public_members(sync).values())]
        assert not [text for text in texts if ASYNC_USE.search(text)], sync
