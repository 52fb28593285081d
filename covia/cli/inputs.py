"""A job's input from the command line: ``JSON``, ``@FILE`` (JSON in a file) or ``-``
(JSON on stdin); none at all means no input."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from covia.cli.errors import CliError

__all__ = ["read_input"]


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{where} is not valid JSON ({exc}); give JSON, @FILE or -") from None
    except RecursionError:
        raise CliError(f"{where} is nested too deeply") from None


def read_input(argument: str | None, stdin: TextIO | None = None) -> Any:
    """The input value ``argument`` stands for (None when it is None)."""
    if argument is None:
        return None
    if argument == "-":
        source = stdin if stdin is not None else sys.stdin
        return _parse(source.read(), "the input on stdin")
    if argument.startswith("@"):
        path = argument[1:]
        if not path:
            raise CliError("@ needs a file name: @input.json")
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read input file {path}: {exc}") from None
        return _parse(text, f"input file {path}")
    return _parse(argument, "the input")
