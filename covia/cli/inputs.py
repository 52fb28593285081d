"""What the user types: a job's input (``JSON``, ``@FILE`` (JSON in a file) or ``-``
(JSON on stdin); none at all means no input), and asset references."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from covia.cli.errors import CliError
from covia_proto.hexid import is_hex_id

__all__ = ["check_asset_reference", "read_input"]


def check_asset_reference(reference: str) -> None:
    """Refuse locally what cannot name an asset: an id is hex (``0x`` optional); a
    reference (``a/<hash>``, ``did:…/a/<hash>``, ``w/path``) has a ``/`` in it."""
    if is_hex_id(reference.strip()) or "/" in reference:
        return
    raise CliError(
        f"not an asset id: {reference!r} (an id is hex, such as the ids `covia assets` "
        "lists; a reference is a/<id>, a DID URL or a path)"
    )


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
