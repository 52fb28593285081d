"""Running ``covia`` as a user would: in a subprocess, or in-process through ``main``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
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


@contextlib.contextmanager
def children_get_default_sigint() -> Iterator[None]:
    """Children started in the block get SIGINT's default behaviour, whatever this
    process has: a suite started with ``nohup`` or from a background job ignores
    SIGINT, children inherit an ignored signal, and a Python child that starts with
    SIGINT ignored never raises KeyboardInterrupt, so a Ctrl-C test would wait for its
    timeout and fail. A handled signal, unlike an ignored one, is reset to the default
    by exec: so this process handles it for as long as the child is being started.
    (The CLI itself keeps honouring an ignored SIGINT: that is how a shell keeps
    Ctrl-C from reaching background jobs.)"""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if not ignored or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def spawn(args: list[str], **options: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **options)`` whose child gets SIGINT's default
    behaviour (see ``children_get_default_sigint``): for tests that press Ctrl-C."""
    with children_get_default_sigint():
        return subprocess.Popen(args, **options)


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
