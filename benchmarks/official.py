"""The official SDK (``covia`` 0.9.11 on PyPI), driven from the benchmarks' process.

It has the same distribution name as ours, so it cannot share our virtualenv: it gets
one of its own, ``benchmarks/.venvs/official`` (git-ignored), made on first use with
``python -m venv`` and ``pip install covia==0.9.11`` and reused after. Its scenarios run
in worker processes of that venv (``official_worker.py``), against the same canned
server as ours, in the same run; a section asks a worker to time a round and gets the
seconds back, so its rounds interleave with ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Final

__all__ = ["OFFICIAL_VERSION", "VENV", "OfficialError", "OfficialWorker", "ensure_venv"]

OFFICIAL_VERSION: Final = "0.9.11"
HERE: Final = Path(__file__).resolve().parent
VENV: Final = HERE / ".venvs" / "official"
WORKER: Final = HERE / "official_worker.py"
INSTALL_TIMEOUT: Final = 600.0


class OfficialError(RuntimeError):
    """The official SDK could not be installed, or a worker's command failed."""


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _installed_version(python: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(python), "-I", "-c", "import importlib.metadata as m; print(m.version('covia'))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_venv(venv: Path = VENV) -> Path:
    """The Python of a virtualenv holding ``covia==OFFICIAL_VERSION``, made if need be
    (it needs the package registry, which CI reaches); ``OfficialError`` if it cannot."""
    python = _python(venv)
    if python.exists() and _installed_version(python) == OFFICIAL_VERSION:
        return python
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", f"covia=={OFFICIAL_VERSION}"],
    ]
    for step in steps:
        try:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OfficialError(f"{' '.join(step[:4])}: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise OfficialError(f"{' '.join(step[:4])} failed: {last[:200]}")
    if _installed_version(python) != OFFICIAL_VERSION:
        raise OfficialError(f"covia=={OFFICIAL_VERSION} is not importable in {venv}")
    return python


class OfficialWorker:
    """One worker process of the official venv, answering commands one at a time."""

    def __init__(self, python: Path) -> None:
        self.child = subprocess.Popen(
            [str(python), "-I", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self, command: str, **arguments: Any) -> dict[str, Any]:
        """Run ``command`` in the worker; its answer, or ``OfficialError``."""
        child = self.child
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
        child.stdin.flush()
        line = child.stdout.readline()
        if not line:
            raise OfficialError(f"the official SDK's worker ended (exit {child.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise OfficialError(f"official SDK, {command}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        try:
            self.child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        if self.child.stdout is not None:
            self.child.stdout.close()

    def __enter__(self) -> OfficialWorker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
