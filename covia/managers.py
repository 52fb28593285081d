"""Managers: groups of venue features (``venue.workspace``, …) defined once for the sync
and the async clients.

A manager method is a flow of the protocol core bound to the venue's session: the sync
session runs it to its value, the async one returns a coroutine. ``flow_method`` makes
that binding, so one class serves ``Venue`` and ``AsyncVenue`` and its methods are typed
for each (``Workspace[SyncSession]`` returns values, ``Workspace[AsyncSession]``
awaitables); the arguments and the docs are those of the core flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from covia_proto.flows import secrets, workspace
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow

if TYPE_CHECKING:
    from covia._session import SyncSession
    from covia.async_api._session import AsyncSession

__all__ = ["Manager", "Secrets", "Workspace", "flow_method"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")


class Manager(Generic[S]):
    """A feature group of one venue connection; ``S`` is its session, sync or async."""

    def __init__(self, session: S) -> None:
        self._session = session

    def __repr__(self) -> str:
        context: VenueContext = self._session.context  # type: ignore[attr-defined]
        return f"<{type(self).__name__} of {context.endpoint.base_url}>"


class flow_method(Generic[P, T]):
    """A manager method that runs ``build(context, *args, **kwargs)`` on the session."""

    def __init__(self, build: Callable[Concatenate[VenueContext, P], Flow[T]]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    @overload
    def __get__(self, manager: None, owner: type[Any]) -> flow_method[P, T]: ...

    @overload
    def __get__(self, manager: Manager[SyncSession], owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, manager: Manager[AsyncSession], owner: type[Any]
    ) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, manager: Manager[Any] | None, owner: type[Any]) -> Any:
        if manager is None:
            return self
        session, build = manager._session, self._build

        def method(*args: P.args, **kwargs: P.kwargs) -> Any:
            return session.run(build(session.context, *args, **kwargs))

        method.__name__ = self.__name__
        method.__doc__ = self.__doc__
        return method


class Workspace(Manager[S]):
    """The caller's lattice values (``w/…``), through the ``v/ops/covia/*`` operations:
    ``read``, ``write``, ``delete``, ``append``, ``copy``, ``list``, ``slice``,
    ``inspect``. Another identity's paths (``<DID>/w/…``) are read with a venue-issued
    UCAN in ``ucans=``. See ``covia_proto.flows.workspace`` for what each answers."""

    read = flow_method(workspace.read)
    write = flow_method(workspace.write)
    delete = flow_method(workspace.delete)
    append = flow_method(workspace.append)
    copy = flow_method(workspace.copy)
    list = flow_method(workspace.list_path)
    slice = flow_method(workspace.slice_path)
    inspect = flow_method(workspace.inspect)


class Secrets(Manager[S]):
    """The caller's secrets: ``list`` their names, ``set`` and ``delete`` them, and
    ``extract`` a value where the venue allows it (no 0.1 venue does). Values are never
    logged nor kept. See ``covia_proto.flows.secrets``."""

    list = flow_method(secrets.list_names)
    set = flow_method(secrets.set_value)
    delete = flow_method(secrets.delete)
    extract = flow_method(secrets.extract)
