"""Output with rich, and without it (rich is an optional extra)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from covia import compute_asset_id
from covia.cli.render import Output, json_safe, rich_module, terminal_safe
from tests.cli.helpers import assert_one_line_error, clean_env, covia, run_main
from tests.conformance.hostile import Seen, response, serving


def streams(**kwargs) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Output(stdout=out, stderr=err, **kwargs), out, err


@pytest.fixture
def without_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if rich were not installed: importing it raises ImportError."""
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)


@pytest.mark.parametrize("use_rich", [True, False], ids=["rich", "plain"])
def test_a_table_shows_every_cell(use_rich):
    output, out, _ = streams(use_rich=use_rich)
    output.table(
        ["Name", "Kind"], [("echo", "operation"), ("data", "artifact")], caption="2 assets"
    )
    text = out.getvalue()
    for cell in ("Name", "Kind", "echo", "operation", "data", "artifact", "2 assets"):
        assert cell.lower() in text.lower()


def test_plain_tables_are_aligned_columns():
    output, out, _ = streams(use_rich=False)
    output.table(["Name", "Kind"], [("echo", "operation"), ("a-longer-name", "artifact")])
    assert out.getvalue().splitlines() == [
        "NAME           KIND",
        "echo           operation",
        "a-longer-name  artifact",
    ]


@pytest.mark.parametrize("use_rich", [True, False], ids=["rich", "plain"])
def test_fields_skip_empty_values(use_rich):
    output, out, _ = streams(use_rich=use_rich)
    output.fields([("Name", "V"), ("Version", ""), ("DID", "did:key:z6")], title="Venue")
    text = out.getvalue()
    assert "Venue" in text
    assert "did:key:z6" in text
    assert "Version" not in text


@pytest.mark.parametrize("use_rich", [True, False], ids=["rich", "plain"])
def test_venue_text_is_never_read_as_markup(use_rich):
    output, out, err = streams(use_rich=use_rich)
    output.table(["Name"], [("[bold]x[/bold]",)])
    output.fields([("Name", "[red]y[/red]")])
    output.note("[blue]z[/blue]")
    assert "[bold]x[/bold]" in out.getvalue()
    assert "[red]y[/red]" in out.getvalue()
    assert "[blue]z[/blue]" in err.getvalue()


@pytest.mark.parametrize("use_rich", [True, False], ids=["rich", "plain"])
def test_documents_are_json(use_rich):
    output, out, _ = streams(use_rich=use_rich)
    output.document("Input", {"type": "object"})
    text = out.getvalue()
    assert text.startswith("Input\n")
    assert json.loads(text.split("\n", 1)[1]) == {"type": "object"}


def test_json_goes_to_stdout_and_messages_to_stderr():
    output, out, err = streams(json_mode=True)
    output.json({"a": "é"})
    output.note("a note")
    output.error("it broke")
    assert json.loads(out.getvalue()) == {"a": "é"}
    assert err.getvalue().splitlines() == ["a note", "covia: it broke"]


def test_a_long_error_stays_on_one_line():
    output, _, err = streams(use_rich=True)
    output.error("x " * 200)
    assert len(err.getvalue().splitlines()) == 1


def test_without_rich_everything_is_plain_text(without_rich):
    assert rich_module() is None
    output, out, err = streams()
    assert output.rich is None
    assert output.err_console is None
    output.table(["Name"], [("echo",)])
    output.fields([("Name", "V")])
    output.document("Output", [1])
    output.error("oops")
    assert out.getvalue().splitlines() == ["NAME", "echo", "Name  V", "Output", "[", "  1", "]"]
    assert err.getvalue() == "covia: oops\n"


BLOCK_RICH = "import sys; sys.modules['rich'] = None; from covia.cli import main; sys.exit(main())"


def covia_without_rich(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a process where ``import rich`` fails."""
    return subprocess.run(
        [sys.executable, "-c", BLOCK_RICH, *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )


def test_the_command_line_works_without_rich(url):
    result = covia_without_rich("--venue", url, "ops")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DESCRIPTION"]
    assert any(line.startswith("v/test/ops/echo ") for line in lines)
    assert "┃" not in result.stdout


def test_errors_without_rich_are_one_line_too(url):
    result = covia_without_rich("--venue", url, "asset", "ab" * 32)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "asset not found")


def test_json_output_is_the_same_with_or_without_rich(url):
    with_rich = covia("--venue", url, "--json", "ops")
    without = covia_without_rich("--venue", url, "--json", "ops")
    assert with_rich.returncode == without.returncode == 0
    assert json.loads(with_rich.stdout) == json.loads(without.stdout)


# -- venue text that would drive the terminal -------------------------------------------------

# Window title, clear screen, colour, a carriage return that overwrites the line, a
# one-byte CSI, a right-to-left override.
EVIL = "Evil\x1b]0;pwned\x07\x1b[2J\x1b[31mred\rX\x9b31m\u202ert"
JOB = "0190f3c2a1b20000aabbccddeeff0011"
OPERATION = {"name": EVIL, "description": EVIL,
             "operation": {"adapter": EVIL, "input": {"type": "object"}}}  # fmt: skip
ASSET = compute_asset_id(OPERATION)  # served under its own id: only its text is hostile


def _hostile_answer(path: str) -> tuple[int, dict[str, Any] | list[Any]]:
    record = {"id": JOB, "status": "FAILED", "op": ASSET, "name": EVIL, "error": EVIL,
              "created": 1, "updated": 1, "input": {"q": EVIL}, "output": EVIL}  # fmt: skip
    operation = OPERATION
    if path.endswith("/status"):
        return 200, {"status": "OK", "name": EVIL, "did": "did:web:evil.test"}
    if path.endswith("/jobs"):
        return 200, [JOB]
    if path.endswith(f"/jobs/{JOB}"):
        return 200, record
    if path.endswith("/assets"):
        return 200, {"items": [ASSET], "total": 1, "offset": 0, "limit": 1}
    if path.endswith(f"/assets/{ASSET}"):
        return 200, operation
    return 404, {"error": EVIL}


@pytest.fixture
def hostile_url(_covia_loop: Any) -> Iterator[str]:
    def respond(seen: Seen) -> bytes:
        status, body = _hostile_answer(seen.path)
        return response(status, json.dumps(body).encode())

    with serving(_covia_loop, respond) as server:
        yield server.url


COMMANDS = {
    "status": ["status"],
    "ops": ["ops"],
    "op": ["op", ASSET],
    "assets": ["assets"],
    "asset": ["asset", ASSET],
    "jobs": ["jobs"],
    "job": ["job", JOB],
    "run": ["run", ASSET, "{}"],
}


@pytest.mark.parametrize("use_rich", [True, False], ids=["rich", "plain"])
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_venue_text_reaches_the_terminal_as_visible_escapes(
    hostile_url, command, use_rich, monkeypatch, capsys
):
    if not use_rich:
        monkeypatch.setitem(sys.modules, "rich", None)
    result = run_main(capsys, "--venue", hostile_url, *command)
    shown = result.out + result.err
    assert "Evil" in shown, shown  # the venue's text is there…
    for raw in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
        assert raw not in shown, (raw, shown)  # …but nothing a terminal acts on
    assert "\\x1b]0;pwned" in shown  # shown for what it is


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_json_output_keeps_venue_text_exact(hostile_url, command, capsys):
    result = run_main(capsys, "--json", "--venue", hostile_url, *command)
    for raw in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
        assert raw not in result.out + result.err
    if result.out:  # every command but run (a failed job has no output)
        assert EVIL in _strings(json.loads(result.out))  # exactly the venue's text


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_terminal_safe_shows_what_a_terminal_would_act_on():
    assert terminal_safe("plain text, tabs\tand\nnewlines, caf\u00e9 \u2603") == (
        "plain text, tabs\tand\nnewlines, caf\u00e9 \u2603"
    )
    assert terminal_safe("a\x1b[2Jb\rc\x00d\x7fe\x9bf\u202eg") == (
        "a\\x1b[2Jb\\x0dc\\x00d\\x7fe\\x9bf\\u202eg"
    )


def test_json_safe_escapes_the_same_characters_and_keeps_the_value():
    value = {"name": "a\x1b]0;t\x07\x9b\u202e\u2028 caf\u00e9"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert all(ch not in text for ch in "\x1b\x07\x9b\u202e\u2028")
    assert json.loads(text) == value


def test_done_is_a_json_record_under_json_and_a_note_otherwise():
    output, out, err = streams(json_mode=True, use_rich=False)
    output.done({"path": "w/x", "written": True}, "wrote w/x")
    assert (json.loads(out.getvalue()), err.getvalue()) == ({"path": "w/x", "written": True}, "")
    output, out, err = streams(use_rich=False)
    output.done({"path": "w/x"}, "wrote w/x")
    assert (out.getvalue(), err.getvalue()) == ("", "wrote w/x\n")
