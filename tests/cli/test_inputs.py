"""A job's input: JSON, @FILE, - or nothing."""

from __future__ import annotations

import io

import pytest

from covia.cli.errors import CliError, ExitCode
from covia.cli.inputs import read_input


def test_no_argument_is_no_input():
    assert read_input(None) is None


def test_json_on_the_command_line():
    assert read_input('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert read_input('"text"') == "text"


def test_json_from_a_file(tmp_path):
    path = tmp_path / "input.json"
    path.write_text('{"message": "hello"}', encoding="utf-8")
    assert read_input(f"@{path}") == {"message": "hello"}


def test_json_from_stdin():
    assert read_input("-", io.StringIO("[1, 2]\n")) == [1, 2]


@pytest.mark.parametrize(
    ("argument", "fragment"),
    [
        ("{bad", "the input is not valid JSON"),
        ("hello", "give JSON, @FILE or -"),
        ("@", "@ needs a file name"),
        ("@/no/such/file.json", "cannot read input file /no/such/file.json"),
    ],
)
def test_bad_input_is_a_usage_error(argument, fragment):
    with pytest.raises(CliError) as caught:
        read_input(argument)
    assert caught.value.code == ExitCode.USAGE
    assert fragment in caught.value.message


def test_bad_json_in_a_file_or_on_stdin_says_where(tmp_path):
    path = tmp_path / "input.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CliError, match=f"input file {path} is not valid JSON"):
        read_input(f"@{path}")
    with pytest.raises(CliError, match="the input on stdin is not valid JSON"):
        read_input("-", io.StringIO(""))


def test_deeply_nested_input_is_refused_not_crashed_on():
    with pytest.raises(CliError, match=r"nested too deeply|not valid JSON"):
        read_input("[" * 100_000 + "]" * 100_000)
