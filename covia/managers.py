"""Managers: groups of venue features (``venue.workspace``, …) defined once for the sync
and the async clients.

A manager method is a flow of the protocol core bound to the venue's session: the sync
session runs it to its value, the async one returns a coroutine. ``flow_method`` makes
that binding, so one class serves ``Venue`` and ``AsyncVenue`` and its methods are typed
for each (``Workspace[SyncSession]`` returns values, ``Workspace[AsyncSession]``
awaitables); the arguments and the docs are those of the core flow.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from covia_proto.flows import agent_tasks, agents, grants, pins, secrets, workspace
from covia_proto.flows.context import VenueContext
from covia_proto.flows.effects import Flow

if TYPE_CHECKING:
    from covia._session import SyncSession
    from covia.async_api._session import AsyncSession

__all__ = [
    "Agent",
    "Agents",
    "ChatSession",
    "Manager",
    "Pins",
    "Secrets",
    "Ucan",
    "VenueManagers",
    "Workspace",
    "agent_method",
    "flow_method",
    "session_method",
]

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
    def __get__(
        self, manager: Manager[SyncSession] | VenueManagers[SyncSession], owner: type[Any]
    ) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, manager: Manager[AsyncSession] | VenueManagers[AsyncSession], owner: type[Any]
    ) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, manager: Manager[Any] | VenueManagers[Any] | None, owner: type[Any]) -> Any:
        if manager is None:
            return self
        session = manager._session

        def method(*args: Any, **kwargs: Any) -> Any:
            return session.run(self._flow(manager, session.context, args, kwargs))

        method.__name__ = self.__name__
        method.__doc__ = self.__doc__
        return method

    def _flow(self, manager: Any, context: VenueContext, args: Any, kwargs: Any) -> Flow[T]:
        return self._build(context, *args, **kwargs)


class agent_method(flow_method[P, T]):
    """A method of one agent's handle: the core flow gets the agent's id after the
    context."""

    def __init__(self, build: Callable[Concatenate[VenueContext, str, P], Flow[T]]) -> None:
        self._agent_build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    def _flow(self, manager: Any, context: VenueContext, args: Any, kwargs: Any) -> Flow[T]:
        return self._agent_build(context, manager.agent_id, *args, **kwargs)


class session_method(flow_method[P, T]):
    """A method of a chat session: the core flow is a method of the session's state."""

    def __init__(
        self, build: Callable[Concatenate[agents.ChatSession, VenueContext, P], Flow[T]]
    ) -> None:
        self._session_build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    def _flow(self, manager: Any, context: VenueContext, args: Any, kwargs: Any) -> Flow[T]:
        return self._session_build(manager.state, context, *args, **kwargs)


class Workspace(Manager[S]):
    """The caller's lattice values (``w/…``), through the ``v/ops/covia/*`` operations:
    ``read``, ``write``, ``delete``, ``append``, ``copy``, ``list``, ``slice``,
    ``count``, ``inspect``. Another identity's paths (``<DID>/w/…``) are read with a
    venue-issued UCAN in ``ucans=``. See ``covia_proto.flows.workspace`` for what each
    answers."""

    read = flow_method(workspace.read)
    write = flow_method(workspace.write)
    delete = flow_method(workspace.delete)
    append = flow_method(workspace.append)
    copy = flow_method(workspace.copy)
    list = flow_method(workspace.list_path)
    slice = flow_method(workspace.slice_path)
    count = flow_method(workspace.count)
    inspect = flow_method(workspace.inspect)


class Secrets(Manager[S]):
    """The caller's secrets: ``list`` their names, ``set`` and ``delete`` them, and
    ``extract`` a value where the venue allows it (no 0.1 venue does). Values are never
    logged nor kept. See ``covia_proto.flows.secrets``."""

    list = flow_method(secrets.list_names)
    set = flow_method(secrets.set_value)
    delete = flow_method(secrets.delete)
    extract = flow_method(secrets.extract)


class Agents(Manager[S]):
    """The caller's agents: ``list``, ``info``, ``create`` (from a config map or a
    template such as ``v/agents/templates/minimal``), ``fork``, ``update``, ``suspend``,
    ``resume``, ``delete``, ``chat`` and ``message``; tasks: ``request`` (wait for the
    agent to complete one), ``cancel_task``, ``trigger`` and ``context`` (what its
    model would be sent). ``venue.agent(id)`` is a handle on one of them. See
    ``covia_proto.flows.agents`` and ``agent_tasks`` for what the venue answers."""

    list = flow_method(agents.list_agents)
    info = flow_method(agents.info)
    create = flow_method(agents.create)
    update = flow_method(agents.update)
    suspend = flow_method(agents.suspend)
    resume = flow_method(agents.resume)
    delete = flow_method(agents.delete)
    chat = flow_method(agents.chat)
    message = flow_method(agents.message)
    fork = flow_method(agents.fork)
    request = flow_method(agent_tasks.request)
    trigger = flow_method(agent_tasks.trigger)
    cancel_task = flow_method(agent_tasks.cancel_task)
    context = flow_method(agent_tasks.render_context)


class Agent(Manager[S]):
    """One agent by id: the ``Agents`` methods without the id, and ``session()`` for a
    conversation that keeps its session id."""

    def __init__(self, session: S, agent_id: str) -> None:
        super().__init__(session)
        self.agent_id = agents._agent_id(agent_id)

    def __repr__(self) -> str:
        return f"<Agent {self.agent_id!r}>"

    info = agent_method(agents.info)
    update = agent_method(agents.update)
    suspend = agent_method(agents.suspend)
    resume = agent_method(agents.resume)
    delete = agent_method(agents.delete)
    chat = agent_method(agents.chat)
    message = agent_method(agents.message)
    fork = agent_method(agents.fork)
    request = agent_method(agent_tasks.request)
    trigger = agent_method(agent_tasks.trigger)
    cancel_task = agent_method(agent_tasks.cancel_task)
    context = agent_method(agent_tasks.render_context)

    def session(self, session_id: str | None = None) -> ChatSession[S]:
        """A conversation: each ``send`` continues it (``session_id`` resumes one)."""
        return ChatSession(self._session, self.agent_id, session_id)


class ChatSession(Manager[S]):
    """A conversation with one agent; ``send(message)`` returns the agent's reply and
    keeps the session's id for the next one."""

    def __init__(self, session: S, agent_id: str, session_id: str | None = None) -> None:
        super().__init__(session)
        self.state = agents.ChatSession(agent_id, session_id)

    @property
    def agent_id(self) -> str:
        return self.state.agent_id

    @property
    def session_id(self) -> str | None:
        return self.state.session_id

    def __repr__(self) -> str:
        return f"<ChatSession {self.agent_id!r} {self.session_id or '(new)'}>"

    send = session_method(agents.ChatSession.send)


class Pins(Manager[S]):
    """The caller's pinned assets: ``pin(path)`` snapshots any resolvable map (a
    workspace path, an operation, another venue's asset by DID URL) into their own
    content-addressed store; ``list`` pages through them; ``get`` reads the metadata at
    any address. See ``covia_proto.flows.pins``."""

    pin = flow_method(pins.pin)
    list = flow_method(pins.list_pins)
    get = flow_method(pins.get)


class Ucan(Manager[S]):
    """Grants the venue signs: ``issue(audience, capabilities, expires=…)`` returns a
    UCAN for ``ucans=`` (``covia_proto.flows.grants``)."""

    issue = flow_method(grants.issue)


class VenueManagers(Generic[S]):
    """The managers of one venue connection, as properties of ``Venue`` (``S`` a
    ``SyncSession``) and ``AsyncVenue`` (an ``AsyncSession``): written once for both."""

    _session: S

    @functools.cached_property
    def workspace(self) -> Workspace[S]:
        """The caller's lattice values: ``venue.workspace.read("w/notes")``, ``write``,
        ``list``, ``slice``, ``append``, ``copy``, ``delete``, ``inspect``."""
        return Workspace(self._session)

    @functools.cached_property
    def secrets(self) -> Secrets[S]:
        """The caller's secrets: ``venue.secrets.set("API_KEY", value)``, ``list``,
        ``delete``, ``extract``."""
        return Secrets(self._session)

    @functools.cached_property
    def agents(self) -> Agents[S]:
        """The caller's agents: ``venue.agents.list()``, ``create``, ``chat``, …"""
        return Agents(self._session)

    def agent(self, agent_id: str) -> Agent[S]:
        """A handle on one agent: ``venue.agent("bot").session().send("hi")``."""
        return Agent(self._session, agent_id)

    # The official SDK's name for ``venue.pins.pin`` (defined before ``pins`` shadows
    # the module in this class body).
    pin_asset = flow_method(pins.pin)

    @functools.cached_property
    def pins(self) -> Pins[S]:
        """The caller's pinned assets: ``venue.pins.pin("w/doc")``, ``list``, ``get``."""
        return Pins(self._session)

    @functools.cached_property
    def ucan(self) -> Ucan[S]:
        """UCAN grants the venue signs for this caller: ``venue.ucan.issue(...)``."""
        return Ucan(self._session)
