"""Running ``covia`` as a user would: in a subprocess, or in-process through ``main``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import attrs

from covia.cli import main

COVIA = [sys.executable, "-m", "covia.cli"]
# A child given no terminal must not wait on one: every run is bounded.
TIMEOUT = 60


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without COVIA_* settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVIA_")}
    env.update(extra or {})
    return env


def covia(
    *args: str,
    input: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """``python -m covia.cli ARGS`` in a subprocess, stdin from ``input`` (else empty);
    output as text, or bytes with ``text=False``."""
    return subprocess.run(
        [*COVIA, *args],
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=text,
        env=clean_env(env),
        timeout=TIMEOUT,
        check=False,
    )


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


def run_main(capsys, *args: str) -> Result:
    """``main(args)`` in this process, its output captured."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_one_line_error(err: str, *fragments: str) -> None:
    """stderr is one ``covia: …`` line, mentioning each fragment; no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("covia: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)
