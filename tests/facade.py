"""The sync client seen through the async API's names, so a scenario written once as
``async def scenario(venue)`` runs under every client.

``SyncFacade`` makes a ``Venue`` (and the jobs and assets it returns) look awaitable
without any event loop: its coroutines never suspend, so ``run_sync`` drives them to the
end with one ``send``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any


class SyncFacade:
    """A sync ``Venue``, ``Job`` or ``Asset`` seen through the async API's names."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        if name == "get_did":  # the async twin of the ``did`` property
            return _ready(lambda: self._target.did)
        value = getattr(self._target, name)
        if name in ITERATORS:  # async iterators, not awaitables, in the async API
            return lambda *args, **kwargs: _AsyncIter(value(*args, **kwargs))
        return _ready(value) if callable(value) else value


ITERATORS = frozenset({"stream", "iter_asset_content", "iter_content", "stream_job_events"})


def _ready(method: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return _wrap(method(*args, **kwargs))

    return call


def _wrap(value: Any) -> Any:
    from covia import Asset, Job, Venue

    if isinstance(value, Job | Asset | Venue):
        return SyncFacade(value)
    if isinstance(value, Iterator):
        return _AsyncIter(value)
    return value


class _AsyncIter:
    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items

    def __aiter__(self) -> _AsyncIter:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()


def run_sync(coroutine: Coroutine[Any, Any, Any]) -> Any:
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise AssertionError("a scenario run on the sync client suspended")
