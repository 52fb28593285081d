"""``covia ws``, ``covia secrets``, ``covia agents`` and ``covia chat`` against the
simulator on loopback, signed by a key of the test's own."""

from __future__ import annotations

import io
import json
import pathlib
from collections.abc import Iterator

import pytest

from covia import Grid
from covia.auth import Ed25519Auth
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.cli.helpers import assert_one_line_error, run_main


@pytest.fixture
def me(tmp_path: pathlib.Path) -> Ed25519Auth:
    auth = Ed25519Auth.generate()
    auth.save(tmp_path / "key")
    return auth


@pytest.fixture
def cli(
    capsys, me: Ed25519Auth, tmp_path: pathlib.Path, _covia_loop: BackgroundLoop
) -> Iterator[object]:
    with serve_venue(loop=_covia_loop, public=False) as served:

        def run(*args: str):
            return run_main(capsys, *args, "--venue", served.url, "--key", str(tmp_path / "key"))

        run.url = served.url  # type: ignore[attr-defined]
        yield run


def test_ws_put_ls_get_rm(cli):
    assert cli("ws", "put", "w/notes", '{"a": [1, 2], "b": "x"}').code == 0
    assert cli("ws", "ls", "w/notes").out.split() == ["a", "b"]
    assert cli("ws", "ls").out.split() == ["w"]
    assert json.loads(cli("ws", "get", "w/notes").out) == {"a": [1, 2], "b": "x"}
    shown = json.loads(cli("ws", "get", "w/notes/a", "--json").out)
    assert shown == {"exists": True, "value": [1, 2], "truncated": False}
    assert json.loads(cli("ws", "ls", "w/notes/a", "--json").out)["type"] == "Vector"
    assert cli("ws", "rm", "w/notes").code == 0
    missing = cli("ws", "get", "w/notes")
    assert missing.code == 1
    assert_one_line_error(missing.err, "nothing at w/notes")


def test_ws_refusals_are_one_line(cli):
    refused = cli("ws", "put", "v/x", "1")
    assert refused.code == 5
    assert_one_line_error(refused.err, "Write permission denied for namespace: v")
    bad = cli("ws", "put", "w/x", "{not json")
    assert bad.code == 2
    assert_one_line_error(bad.err, "not valid JSON")


def test_secrets_set_reads_stdin_and_never_prints_the_value(cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-value\n"))
    stored = cli("secrets", "set", "API_KEY")
    assert stored.code == 0
    assert "s3cret-value" not in stored.out + stored.err
    assert cli("secrets").out.split() == ["API_KEY"]
    assert json.loads(cli("secrets", "--json").out) == ["API_KEY"]
    assert cli("secrets", "rm", "API_KEY").code == 0
    assert json.loads(cli("secrets", "--json").out) == []
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    empty = cli("secrets", "set", "API_KEY")
    assert empty.code == 2
    assert_one_line_error(empty.err, "no secret value")


def test_agents_and_chat(cli, me: Ed25519Auth, monkeypatch):
    with Grid.connect(cli.url, auth=me) as venue:
        venue.agents.create("bot", {"llmOperation": "v/test/ops/llm"})
    listed = json.loads(cli("agents", "--json").out)
    assert listed == [{"agentId": "bot", "status": "SLEEPING", "tasks": 0}]
    assert "bot" in cli("agents").out
    one = cli("chat", "bot", "hello")
    assert one.out == f"[Message from: {me.did}]\nhello\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("one\n\ntwo\n"))
    lines = cli("chat", "bot", "--json").out.splitlines()
    replies = [json.loads(line) for line in lines]
    assert [r["response"].split("\n")[1] for r in replies] == ["one", "two"]
    assert replies[0]["sessionId"] == replies[1]["sessionId"]
    monkeypatch.setattr("sys.stdin", io.StringIO("three\n"))
    resumed = cli("chat", "bot", "--session", replies[0]["sessionId"])
    assert resumed.out.endswith("three\n")
    assert replies[0]["sessionId"] in resumed.err
    unknown = cli("chat", "nobody", "hi")
    assert unknown.code == 5
    assert_one_line_error(unknown.err, "Agent not found or terminated: nobody")


def test_agent_request_fork_trigger_context_and_cancel_task(cli, me: Ed25519Auth):
    with Grid.connect(cli.url, auth=me) as venue:
        venue.agents.create("worker", {"llmOperation": "v/test/ops/taskllm"})
    answered = cli("agents", "request", "worker", '{"task": "hi"}')
    assert (answered.code, json.loads(answered.out)) == (0, {"answer": "done"})
    assert "session " in answered.err
    as_json = json.loads(cli("agents", "request", "worker", '"plain"', "--json").out)
    assert (as_json["status"], as_json["output"]) == ("COMPLETE", {"answer": "done"})
    forked = json.loads(cli("agents", "fork", "worker", "copy", "--json").out)
    assert (forked["agentId"], forked["forkedFrom"]) == ("copy", "worker")
    assert "copy" in cli("agents").out
    assert cli("agents", "trigger", "copy").out.splitlines() == [
        "SLEEPING",
        "No tasks to complete",
    ]
    assert json.loads(cli("agents", "trigger", "copy", "--no-wait", "--json").out)["status"] == (
        "RUNNING"
    )
    shown = cli("agents", "context", "copy", "--task", '"hello"')
    assert json.loads(shown.out)["messages"][-1] == {"role": "user", "content": "hello"}
    assert json.loads(cli("agents", "context", "copy", "--json").out)["messages"]
    missing = cli("agents", "cancel-task", "copy", "00ff")
    assert missing.code == 5
    assert_one_line_error(missing.err, "Task not found: 00ff")


def test_pin_and_pins(cli):
    assert cli("ws", "put", "w/doc", '{"name": "Doc", "type": "note"}').code == 0
    path = cli("pin", "w/doc").out.strip()
    assert "/a/" in path
    pinned = json.loads(cli("pin", "v/test/ops/echo", "--json").out)
    assert pinned["path"].endswith("/a/" + pinned["hash"])
    listed = json.loads(cli("pins", "--json").out)
    assert listed["total"] == 2
    table = cli("pins", "--type", "note").out
    assert "Doc" in table
    assert "Echo" not in table
    paged = cli("pins", "--limit", "1")
    assert "1 of 2 pins" in paged.err
    refused = cli("pin", "w/nothing")
    assert refused.code == 5
    assert_one_line_error(refused.err, "Path not found: w/nothing")
