"""Output with rich, and without it (rich is an optional extra)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from covia.cli.render import Output, rich_module
from tests.cli.helpers import assert_one_line_error, clean_env, covia


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
