"""``covia.managers``: ``venue.workspace`` under the sync, asyncio and trio clients,
against the simulator on loopback and the real venue (public and private) when given,
each test with identities of its own."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
import trio

from covia import Grid, JobFailedError, JobTimeoutError, Venue
from covia.async_api import AsyncGrid
from covia.auth import Ed25519Auth
from covia.managers import Workspace, flow_method
from covia_proto.asset_id import asset_id
from covia_proto.errors import CoviaUsageError, NotFoundError
from covia_proto.flows.pins import PinnedAsset, PinSummary, ResolvedAsset
from covia_proto.flows.workspace import (
    WorkspaceCount,
    WorkspaceListing,
    WorkspaceSlice,
    WorkspaceValue,
)
from covia_proto.testing.server import BackgroundLoop, serve_venue
from covia_trio import TrioGrid

Act = Callable[[Any], Any]


def _sync(url: str, auth: Ed25519Auth, act: Act) -> Any:
    with Grid.connect(url, auth=auth) as venue:
        return act(venue)


def _asyncio(url: str, auth: Ed25519Auth, act: Act) -> Any:
    async def main() -> Any:
        async with AsyncGrid.connect(url, auth=auth) as venue:
            return await act(venue)

    return asyncio.run(main())


def _trio(url: str, auth: Ed25519Auth, act: Act) -> Any:
    async def main() -> Any:
        async with TrioGrid.connect(url, auth=auth) as venue:
            return await act(venue)

    return trio.run(main)


CLIENTS = {"sync": _sync, "asyncio": _asyncio, "trio": _trio}


def steps(*calls: tuple[str, str, tuple[Any, ...], dict[str, Any]]) -> Act:
    """Call ``venue.<manager>.<method>(*args, **kwargs)`` in order (awaiting each on an
    async venue) and return the results."""

    def act(venue: Any) -> Any:
        if isinstance(venue, Venue):
            return [getattr(getattr(venue, m), f)(*a, **k) for m, f, a, k in calls]

        async def run_all() -> list[Any]:
            return [await getattr(getattr(venue, m), f)(*a, **k) for m, f, a, k in calls]

        return run_all()

    return act


def ws(method: str, *args: Any, **kwargs: Any) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    return ("workspace", method, args, kwargs)


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return CLIENTS[request.param]


@pytest.fixture(params=["simulator", "real public", "real private"])
def venue_url(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[str]:
    if request.param == "real public":
        yield request.getfixturevalue("external_venue_url")
    elif request.param == "real private":
        yield request.getfixturevalue("private_venue_url")
    else:
        with serve_venue(loop=_covia_loop, public=False) as served:
            yield served.url


def test_workspace_round_trip(venue_url: str, client):
    me = Ed25519Auth.generate()
    results = client(
        venue_url,
        me,
        steps(
            ws("write", "w/notes/a", {"x": 1}),
            ws("write", "w/notes/b", "hello"),
            ws("read", "w/notes"),
            ws("read", "w/notes/a/x"),
            ws("read", "w/nothing"),
            ws("read", "w/notes", max_size=5),
            ws("list", "w/notes"),
            ws("list", "w/nothing"),
            ws("append", "w/log", 1),
            ws("append", "w/log", 2),
            ws("slice", "w/log", offset=1),
            ws("slice", "w/notes", limit=1),
            ws("copy", "w/notes", "w/copy"),
            ws("read", "w/copy/b"),
            ws("inspect", "w/notes/a"),
            ws("delete", "w/copy"),
            ws("delete", "w/copy"),  # nothing there: still no error
            ws("read", "w/copy"),
        ),
    )
    (_, _, notes, x, nothing, truncated, listing, no_listing, _, _, log, entries) = results[:12]
    copied, copied_b, inspected, _, _, gone = results[12:]
    assert notes == WorkspaceValue(exists=True, value={"a": {"x": 1}, "b": "hello"})
    assert x.value == 1
    assert (nothing.exists, nothing.value) == (False, None)
    assert (truncated.exists, truncated.truncated, truncated.value) == (True, True, None)
    assert truncated.size is not None
    assert truncated.size > 5
    # Keys come in the venue's hash-map order, not sorted.
    assert attrs.evolve(listing, keys=tuple(sorted(listing.keys))) == WorkspaceListing(
        exists=True, type="Map", keys=("a", "b"), count=2
    )
    assert (no_listing.exists, no_listing.type) == (False, "Nil")
    assert log == WorkspaceSlice(exists=True, type="Vector", values=(2,), offset=1, count=2)
    assert entries.count == 2
    assert len(entries.values) == 1
    assert entries.values[0]["key"] in ("a", "b")
    assert copied is None
    assert copied_b.value == "hello"
    assert inspected == {"w/notes/a": "{x: 1}"}
    assert gone.exists is False


def test_workspace_count(venue_url: str, client):
    me = Ed25519Auth.generate()
    values = {"w/m": {"a": 1, "b": {"c": 2}}, "w/v": [1, 2, 3], "w/e": {}, "w/s": "abc", "w/n": 5}
    writes = [ws("write", path, value) for path, value in values.items()]
    counts = client(
        venue_url, me, steps(*writes, *(ws("count", p) for p in values), ws("count", "w/x"))
    )
    assert counts[len(writes) :] == [
        WorkspaceCount(exists=True, count=2, type="Map"),
        WorkspaceCount(exists=True, count=3, type="Vector"),
        WorkspaceCount(exists=True, count=0, type="Map"),
        WorkspaceCount(type="String"),
        WorkspaceCount(type="Integer"),
        WorkspaceCount(type="Nil"),
    ]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (ws("write", "v/x", 1), "Write permission denied for namespace: v"),
        (ws("write", "g/x", 1), r"Can only write to 'w' \(workspace\) or 'o' \(operations\)"),
        (ws("write", "n/x", 1), "Cannot use 'n/' prefix outside agent scope"),
        (ws("write", "w", 1), "Path must include namespace and key"),
        (ws("copy", "w/absent", "w/b"), "source not found: w/absent"),
        (ws("append", "w/text", 1), "Cannot append to non-vector value of type: String"),
        (ws("slice", "w/text"), "requires a collection"),
    ],
)
def test_what_the_venue_refuses_is_a_failed_job(venue_url: str, call, error: str):
    me = Ed25519Auth.generate()
    _sync(venue_url, me, steps(ws("write", "w/text", "abc")))
    with pytest.raises(JobFailedError, match=error):
        _sync(venue_url, me, steps(call))


@pytest.fixture(params=["simulator", "real private"])
def private_venue(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[str]:
    if request.param == "real private":
        yield request.getfixturevalue("private_venue_url")
        return
    with serve_venue(loop=_covia_loop, public=False) as served:
        yield served.url


def _did(venue: Any) -> str:
    return str(venue.did)


def test_a_workspace_is_invisible_to_another_identity_without_a_venue_grant(
    private_venue: str, client
):
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    notes = f"{alice.did}/w/notes"

    _sync(private_venue, alice, steps(ws("write", "w/notes", "for Bob"), ws("write", "w/x", 1)))
    capabilities = [{"with": notes, "can": "crud/read"}]
    (token,) = client(
        private_venue,
        alice,
        steps(("ucan", "issue", (bob.did, capabilities), {"expires": int(time.time()) + 600})),
    )
    assert bob.verify_ucan(token, authorities=[_sync(private_venue, alice, _did)]).allows(
        notes, "crud/read"
    )
    # Bob's own w/notes is his, not Alice's.
    (own,) = client(private_venue, bob, steps(ws("read", "w/notes")))
    assert own.exists is False
    for call in (ws("read", notes), ws("list", notes), ws("slice", f"{alice.did}/w")):
        with pytest.raises(JobFailedError, match="Access denied"):
            client(private_venue, bob, steps(call))
    (granted,) = client(private_venue, bob, steps(ws("read", notes, ucans=[token])))
    assert granted.value == "for Bob"
    with pytest.raises(JobFailedError, match="Access denied"):  # outside the grant
        client(private_venue, bob, steps(ws("read", f"{alice.did}/w/x", ucans=[token])))
    with pytest.raises(JobFailedError, match="Can only write to"):  # nor to write there
        client(private_venue, bob, steps(ws("write", notes, "overwritten")))
    # Copy and inspect find nothing at another identity's path, grant or not.
    (inspected,) = client(private_venue, bob, steps(ws("inspect", notes)))
    assert inspected == {notes: f"null /* not found: {notes} */"}
    with pytest.raises(JobFailedError, match=f"source not found: {notes}"):
        client(private_venue, bob, steps(ws("copy", notes, "w/mine")))
    (still,) = _sync(private_venue, alice, steps(ws("read", "w/notes")))
    assert still.value == "for Bob"


def test_one_manager_class_serves_sync_and_async(covia_venue_url: str):
    with Grid.connect(covia_venue_url) as venue:
        assert isinstance(venue.workspace, Workspace)
        assert venue.workspace is venue.workspace
        assert repr(venue.workspace) == f"<Workspace of {venue.base_url}>"
        assert venue.workspace.read.__doc__ == Workspace.read.__doc__
        assert "lattice path" not in repr(venue.workspace)
    assert isinstance(Workspace.__dict__["read"], flow_method)
    assert Workspace.read.__name__ == "read"

    async def main() -> Any:
        async with AsyncGrid.connect(covia_venue_url) as venue:
            pending = venue.workspace.write("w/a", 1)
            assert asyncio.iscoroutine(pending)
            await pending
            return await venue.workspace.read("w/a")

    assert asyncio.run(main()).value == 1


def test_bad_arguments_raise_before_any_request(covia_venue_url: str):
    with Grid.connect(covia_venue_url) as venue:
        with pytest.raises(CoviaUsageError, match="non-empty string"):
            venue.workspace.read("")
        with pytest.raises(CoviaUsageError, match="offset"):
            venue.workspace.list("w", offset=-1)


# -- secrets ------------------------------------------------------------------------------


def sec(method: str, *args: Any, **kwargs: Any) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    return ("secrets", method, args, kwargs)


def test_secrets_round_trip(venue_url: str, client, request: pytest.FixtureRequest):
    me = Ed25519Auth.generate()
    first, _, _, listed, _, after = client(
        venue_url,
        me,
        steps(
            sec("list"),
            sec("set", "API_KEY", "one"),
            sec("set", "API_KEY", "two"),  # replaced, not doubled
            sec("list"),
            sec("delete", "API_KEY"),
            sec("list"),
        ),
    )
    on_real_venue = request.node.callspec.params["venue_url"] != "simulator"
    if after == ["API_KEY"] and on_real_venue:
        # The real venue 0.1 now and then keeps a secret deleted right after it was set
        # (an upstream race, about 1 run in 10 here; the delete answered success). Our
        # part, sending the delete and reading the list, is what this test checks: a
        # second delete must then find the secret and remove it.
        _, after = client(venue_url, me, steps(sec("delete", "API_KEY"), sec("list")))
    assert (first, listed, after) == ([], ["API_KEY"], [])
    with pytest.raises(NotFoundError, match="Secret not found: API_KEY"):
        client(venue_url, me, steps(sec("delete", "API_KEY")))
    with pytest.raises(JobFailedError, match="No capability to extract secrets"):
        client(venue_url, me, steps(sec("extract", "API_KEY")))


def test_secrets_belong_to_their_identity(venue_url: str):
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    _sync(venue_url, alice, steps(sec("set", "TOKEN", "alice's")))
    assert _sync(venue_url, bob, steps(sec("list"))) == [[]]
    with pytest.raises(NotFoundError):
        _sync(venue_url, bob, steps(sec("delete", "TOKEN")))
    assert _sync(venue_url, alice, steps(sec("list"))) == [["TOKEN"]]


# -- agents -------------------------------------------------------------------------------

SCRIPTED_MODEL = {"llmOperation": "v/test/ops/llm"}


# The real venue 0.1 now and then loses a chat: the agent stays RUNNING, the chat job
# STARTED, until something triggers the agent (about 1 chat in 8 here, with or without
# pauses). A lost chat times out and the conversation is tried again with a new agent.
CHAT_TIMEOUT = 15
ATTEMPTS = 3


def _converse(agent_id: str) -> Act:
    """Make an agent from the minimal template with the scripted model, hold a
    two-turn chat session with it, and read it back."""

    def act(venue: Any) -> Any:
        agents = venue.agents
        if isinstance(venue, Venue):
            for attempt in range(ATTEMPTS):
                name = f"{agent_id}-{attempt}"
                made = agents.create(name, "v/agents/templates/minimal", overrides=SCRIPTED_MODEL)
                session = venue.agent(name).session()
                try:
                    first = session.send("hello", timeout=CHAT_TIMEOUT)
                    second = session.send("again", timeout=CHAT_TIMEOUT)
                except JobTimeoutError:
                    continue
                return made, first, second, session.session_id, venue.agent(name).info()
            raise AssertionError(f"every chat of {ATTEMPTS} attempts was lost")

        async def run_all() -> Any:
            for attempt in range(ATTEMPTS):
                name = f"{agent_id}-{attempt}"
                made = await agents.create(
                    name, "v/agents/templates/minimal", overrides=SCRIPTED_MODEL
                )
                session = venue.agent(name).session()
                try:
                    first = await session.send("hello", timeout=CHAT_TIMEOUT)
                    second = await session.send("again", timeout=CHAT_TIMEOUT)
                except JobTimeoutError:
                    continue
                return made, first, second, session.session_id, await venue.agent(name).info()
            raise AssertionError(f"every chat of {ATTEMPTS} attempts was lost")

        return run_all()

    return act


def test_an_agent_chat_session_end_to_end(venue_url: str, client):
    me = Ed25519Auth.generate()
    made, first, second, session_id, info = client(venue_url, me, _converse("helper"))
    assert made.agent_id.startswith("helper-")
    assert (made.created, made.status) == (True, "SLEEPING")
    assert first.response == f"[Message from: {me.did}]\nhello"
    assert second.response == f"[Message from: {me.did}]\nagain"
    assert first.session_id == second.session_id == session_id
    assert session_id
    # The real venue records the turns in the timeline after it answers them.
    assert info.timeline_length in (0, 1, 2)
    assert info.config is not None
    assert info.config["llmOperation"] == "v/test/ops/llm"
    assert info.config["name"] == "Minimal Agent Template"


def test_agent_lifecycle(venue_url: str, client):
    me = Ed25519Auth.generate()
    config = {"llmOperation": "v/test/ops/llm", "systemPrompt": "echo"}
    results = client(
        venue_url,
        me,
        steps(
            ("agents", "list", (), {}),
            ("agents", "create", ("a1", config), {}),
            ("agents", "create", ("a1", config), {}),  # exists: left as it is
            ("agents", "suspend", ("a1",), {}),
            ("agents", "resume", ("a1",), {}),
            ("agents", "message", ("a1", "a note"), {}),
            ("agents", "delete", ("a1",), {}),
            ("agents", "list", (), {}),
            ("agents", "list", (), {"include_terminated": True}),
        ),
    )
    empty, made, again, suspended, resumed, delivered, deleted, live, every = results
    assert empty == []
    assert (made.created, again.created) == (True, False)
    assert (suspended.status, resumed.status, deleted.status) == (
        "SUSPENDED",
        "SLEEPING",
        "TERMINATED",
    )
    assert delivered.delivered is True
    assert delivered.session_id
    assert live == []
    assert [(a.agent_id, a.status) for a in every] == [("a1", "TERMINATED")]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (("agents", "info", ("nobody",), {}), "Agent not found: nobody"),
        (("agents", "delete", ("nobody",), {}), "Agent not found or terminated: nobody"),
        (("agents", "chat", ("bot", "hi"), {"session_id": "00ff"}), "Unknown sessionId: 00ff"),
        (("agents", "resume", ("bot",), {}), r"Agent is not suspended \(status: SLEEPING\)"),
        (("agents", "fork", ("nobody", "x"), {}), "Source agent not found: nobody"),
        (("agents", "fork", ("bot", "bot"), {}), "Target agent already exists: bot"),
        (("agents", "request", ("nobody", {"task": "x"}), {}), "not found or terminated: nobody"),
        (("agents", "trigger", ("nobody",), {}), "Agent not found or terminated: nobody"),
        (("agents", "context", ("nobody",), {}), "Agent not found: nobody"),
        (("agents", "cancel_task", ("bot", "00ff"), {}), "Task not found: 00ff"),
    ],
)
def test_agent_refusals(venue_url: str, call, error: str):
    me = Ed25519Auth.generate()
    _sync(venue_url, me, steps(("agents", "create", ("bot", SCRIPTED_MODEL), {})))
    with pytest.raises(JobFailedError, match=error):
        _sync(venue_url, me, steps(call))


@pytest.mark.parametrize(
    ("operation", "body"), [("complete-task", {"result": 1}), ("fail-task", {"error": "x"})]
)
def test_task_verdicts_belong_to_an_agents_own_turn(venue_url: str, operation: str, body):
    # Why the managers offer no complete_task or fail_task.
    with (
        Grid.connect(venue_url, auth=Ed25519Auth.generate()) as venue,
        pytest.raises(JobFailedError, match="requires task scope"),
    ):
        venue.run(f"v/ops/agent/{operation}", body)


def test_agents_belong_to_their_identity(venue_url: str):
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    _sync(venue_url, alice, steps(("agents", "create", ("mine", SCRIPTED_MODEL), {})))
    assert _sync(venue_url, bob, steps(("agents", "list", (), {}))) == [[]]
    with pytest.raises(JobFailedError, match="Agent not found or terminated: mine"):
        _sync(venue_url, bob, steps(("agents", "chat", ("mine", "hi"), {})))


# -- agent tasks --------------------------------------------------------------------------

# A scripted model that completes each task it is given with {"answer": "done"}.
TASK_MODEL = {"llmOperation": "v/test/ops/taskllm"}


def ag(method: str, *args: Any, **kwargs: Any) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    return ("agents", method, args, kwargs)


def _until_a_task_is_kept(attempt: Callable[[Ed25519Auth], Any]) -> Any:
    """``attempt(identity)``, again with a new identity (so the same agent names) when
    the real venue loses a task, as it loses chats (above): every request in these tests
    has a timeout, so a lost one is a ``JobTimeoutError`` rather than a hung suite."""
    for _ in range(ATTEMPTS):
        try:
            return attempt(Ed25519Auth.generate())
        except JobTimeoutError:
            continue
    raise AssertionError(f"a task was lost in every one of {ATTEMPTS} attempts")


def test_agent_request_trigger_fork_and_context(venue_url: str, client):
    results = _until_a_task_is_kept(
        lambda me: client(
            venue_url,
            me,
            steps(
                ag("create", "worker", TASK_MODEL),
                ag("request", "worker", {"task": "say hi"}, timeout=CHAT_TIMEOUT),
                ag("trigger", "worker"),
                ag("trigger", "worker", wait=False),
                ag("context", "worker", task="hello"),
                ag("fork", "worker", "copy", config={"systemPrompt": "be brief"}),
                ag("context", "copy"),
                ag("delete", "copy"),
                ag("fork", "worker", "copy", overwrite=True),
            ),
        )
    )
    _, done, cycle, kicked, rendered, forked, copy_context, _, reforked = results
    assert (done.status, done.output) == ("COMPLETE", {"answer": "done"})
    assert done.id
    assert done.session_id
    assert (cycle.agent_id, cycle.status, cycle.result) == (
        "worker",
        "SLEEPING",
        "No tasks to complete",
    )
    assert cycle.task_results == {}
    assert (kicked.status, kicked.result) == ("RUNNING", None)
    assert rendered.messages[0]["role"] == "system"
    assert rendered.messages[-1] == {"role": "user", "content": "hello"}
    assert '"role"' in rendered.text
    assert (forked.agent_id, forked.forked_from, forked.created, forked.status) == (
        "copy",
        "worker",
        True,
        "SLEEPING",
    )
    assert copy_context.messages[0]["content"].startswith("be brief")
    assert reforked.created is True


def test_a_request_continues_its_session(venue_url: str, client):
    def attempt(me: Ed25519Auth) -> Any:
        _, first = _sync(
            venue_url,
            me,
            steps(
                ag("create", "w", TASK_MODEL),
                ag("request", "w", "plain text", timeout=CHAT_TIMEOUT),
            ),
        )
        (second,) = client(
            venue_url,
            me,
            steps(
                ag(
                    "request",
                    "w",
                    {"task": "more"},
                    session_id=first.session_id,
                    timeout=CHAT_TIMEOUT,
                )
            ),
        )
        return first, second

    first, second = _until_a_task_is_kept(attempt)
    assert second.session_id == first.session_id
    assert second.id != first.id


def test_a_task_waits_for_a_suspended_agent_until_cancelled(venue_url: str, client):
    me = Ed25519Auth.generate()
    # The scripted chat model never completes a task: the agent stays suspended so the
    # venue's loop does not turn the task over while it waits.
    _sync(venue_url, me, steps(ag("create", "idle", SCRIPTED_MODEL), ag("suspend", "idle")))
    with pytest.raises(JobTimeoutError) as waited:
        client(venue_url, me, steps(ag("request", "idle", {"task": "x"}, timeout=1)))
    task_id = waited.value.job_id
    queued, cancelled, after = client(
        venue_url,
        me,
        steps(ag("info", "idle"), ag("cancel_task", "idle", task_id), ag("info", "idle")),
    )
    assert (queued.tasks, after.tasks) == (1, 0)
    assert (cancelled.cancelled, cancelled.agent_id, cancelled.task_id) == (True, "idle", task_id)
    with pytest.raises(JobFailedError, match=f"Task not found: {task_id}"):
        _sync(venue_url, me, steps(ag("cancel_task", "idle", task_id)))
    # The venue leaves the request's job running; it is the caller's to end.
    with Grid.connect(venue_url, auth=me) as venue:
        assert venue.get_job(task_id).status == "STARTED"
        venue.cancel_job(task_id)
        venue.agents.delete("idle", remove=True)


# -- pins ---------------------------------------------------------------------------------


def pins(
    method: str, *args: Any, **kwargs: Any
) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    return ("pins", method, args, kwargs)


def _operation_id(url: str, name: str) -> str:
    with Grid.connect(url, auth=Ed25519Auth.generate()) as venue:
        found = venue.get_operation(name).asset
    assert found is not None
    return found


DOC = {"name": "Doc", "type": "note", "x": 1}


def test_pins_round_trip(venue_url: str, client):
    me = Ed25519Auth.generate()
    echo = _operation_id(venue_url, "v/test/ops/echo")
    results = client(
        venue_url,
        me,
        steps(
            ws("write", "w/doc", DOC),
            pins("pin", "w/doc"),
            pins("pin", "w/doc"),  # the same value: the same pin
            pins("pin", "v/test/ops/echo"),
            pins("pin", f"0x{echo}"),
            pins("list"),
            pins("list", type="note"),
            pins("list", offset=1, limit=1),
            ws("write", "w/doc", {"changed": True}),
            pins("get", f"{me.did}/a/{asset_id(DOC)}"),
            pins("get", "w/nothing"),
        ),
    )
    _, doc, again, op, by_id, every, notes, page, _, kept, nothing = results
    assert doc == again == PinnedAsset(f"{me.did}/a/{asset_id(DOC)}", asset_id(DOC))
    assert op.hash == by_id.hash == echo
    ids = sorted([doc.hash, echo])
    assert [item.id for item in every.items] == ids
    assert (every.total, every.offset, every.limit) == (2, 0, 100)
    assert notes.items == (PinSummary(id=doc.hash, name="Doc", type="note"),)
    assert [item.id for item in page.items] == ids[1:]
    assert (page.total, page.offset, page.limit) == (2, 1, 1)
    # A pin is a snapshot: the workspace value moved on, the pin did not.
    assert (kept.exists, kept.value) == (True, DOC)
    assert nothing == ResolvedAsset(id="w/nothing", exists=False)


def test_a_pinned_operation_runs_by_its_did_url(venue_url: str, client):
    def act(venue: Any) -> Any:
        if isinstance(venue, Venue):
            return venue.run(venue.pin_asset("v/test/ops/echo").path, {"hi": 1})

        async def pin_and_run() -> Any:
            pinned = await venue.pin_asset("v/test/ops/echo")
            return await venue.run(pinned.path, {"hi": 1})

        return pin_and_run()

    assert client(venue_url, Ed25519Auth.generate(), act) == {"hi": 1}


def test_an_asset_named_by_another_did_is_pinned_by_its_hash(venue_url: str):
    # Content-addressed: a copy the venue holds will do, whichever DID the URL names.
    echo = _operation_id(venue_url, "v/test/ops/echo")
    me = Ed25519Auth.generate()
    elsewhere = f"did:web:venue.example/a/{echo}"
    (pinned,) = _sync(venue_url, me, steps(pins("pin", elsewhere)))
    assert pinned == PinnedAsset(f"{me.did}/a/{echo}", echo)


def test_pins_belong_to_their_identity(venue_url: str):
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    (_, pinned) = _sync(venue_url, alice, steps(ws("write", "w/doc", DOC), pins("pin", "w/doc")))
    listed, by_url, by_hash = _sync(
        venue_url, bob, steps(pins("list"), pins("get", pinned.path), pins("get", pinned.hash))
    )
    assert (listed.items, listed.total) == ((), 0)
    assert by_url.exists is by_hash.exists is False
    (own,) = _sync(venue_url, alice, steps(pins("get", pinned.hash)))
    assert own.value == DOC


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("w/nothing", "Path not found: w/nothing"),
        ("w/number", r"Cannot pin non-map value at w/number \(got CVMLong\)"),
        ("ab" * 32, "Asset not found: " + "ab" * 32),
    ],
)
def test_what_cannot_be_pinned(venue_url: str, path: str, error: str):
    me = Ed25519Auth.generate()
    with pytest.raises(JobFailedError, match=error):
        _sync(venue_url, me, steps(ws("write", "w/number", 5), pins("pin", path)))


def test_pin_arguments_are_checked_before_any_request(covia_venue_url: str):
    with Grid.connect(covia_venue_url) as venue:
        with pytest.raises(CoviaUsageError, match="non-empty address"):
            venue.pins.pin("")
        with pytest.raises(CoviaUsageError, match="at most 1000"):
            venue.pins.list(limit=5000)


# -- what the real venue lacks ------------------------------------------------------------


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.mark.parametrize("operation", ["read", "list", "count"])
def test_the_real_venue_serves_no_job_free_value_reads(external_venue_url: str, operation: str):
    # Why the workspace reads through operations (covia_proto.flows.workspace).
    route = f"GET /api/v1/values/{operation}"
    assert _get(f"{external_venue_url}/api/v1/values/{operation}?path=w/x") == (
        404,
        {"error": f"Endpoint {route} not found"},
    )


def test_the_real_venue_keeps_a_private_job_like_any_other(external_venue_url: str):
    # Why the SDK offers no private jobs: the venue ignores the flag.
    body = {"operation": "v/test/ops/echo", "input": 1, "private": True}
    posted = urllib.request.Request(
        f"{external_venue_url}/api/v1/invoke",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(posted, timeout=10) as answer:
        job = json.loads(answer.read())
    assert job["status"] == "COMPLETE"
    status, record = _get(f"{external_venue_url}/api/v1/jobs/{job['id'][2:]}")
    assert (status, record["output"]) == (200, 1)
