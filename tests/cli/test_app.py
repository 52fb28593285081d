"""Arguments, help, exit codes, --debug."""

from __future__ import annotations

import json

import pytest

from covia.cli.app import build_parser
from tests.cli.helpers import assert_one_line_error, covia, run_main

COMMANDS = [
    "serve", "status", "ops", "op", "assets", "asset", "jobs", "job",
    "run", "invoke", "watch", "get", "put", "demo",
]  # fmt: skip


def test_help_lists_every_command_and_the_exit_codes(capsys):
    result = run_main(capsys, "--help")
    assert result.code == 0
    for command in COMMANDS:
        assert f"    {command} " in result.out
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "130"):
        assert f"  {code}" in result.out


def test_every_command_has_help(capsys):
    for command in COMMANDS:
        result = run_main(capsys, command, "--help")
        assert result.code == 0
        assert f"usage: covia {command}" in result.out
        # serve is the venue: --venue means nothing there
        assert ("--venue" in result.out) == (command != "serve")


def test_version(capsys):
    result = run_main(capsys, "--version")
    assert result.code == 0
    assert result.out.startswith("covia ")


def test_common_options_go_before_or_after_the_command(capsys, url):
    before = run_main(capsys, "--json", "--venue", url, "status")
    after = run_main(capsys, "status", "--venue", url, "--json")
    assert before.code == after.code == 0
    assert json.loads(before.out)["name"] == json.loads(after.out)["name"]


def test_an_option_before_the_command_survives_the_subcommand_defaults():
    args = build_parser().parse_args(["--json", "--timeout", "5", "ops"])
    assert args.json is True
    assert args.timeout == 5.0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["bogus"], "invalid choice: 'bogus'"),
        ([], "required: COMMAND"),
        (["op"], "required: name"),
        (["--timeout", "0", "ops"], "must be more than 0"),
        (["assets", "--limit", "many"], "invalid int value"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, fragment):
    result = run_main(capsys, *argv)
    assert result.code == 2
    assert_one_line_error(result.err, fragment, "--help")


def test_a_usage_error_in_a_real_process_is_one_line():
    result = covia("jobs", "--limit")
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "expected one argument")


def test_debug_shows_the_traceback_and_the_http_log(url):
    missing = "ab" * 32
    quiet = covia("--venue", url, "asset", missing)
    loud = covia("--venue", url, "--debug", "asset", missing)
    assert quiet.returncode == loud.returncode == 1
    assert_one_line_error(quiet.stderr, "asset not found")
    assert "Traceback" in loud.stderr
    assert "AssetNotFoundError" in loud.stderr
    assert f"covia.http DEBUG GET {url}/api/v1/assets/{missing}" in loud.stderr
    assert loud.stderr.splitlines()[-1] == f"covia: asset not found: {missing}"


def test_an_interrupted_command_exits_130(capsys, monkeypatch):
    from covia.cli import browse

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(browse, "ops", interrupted)
    assert run_main(capsys, "ops").code == 130
