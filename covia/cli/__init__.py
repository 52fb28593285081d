"""``covia``: the command line of the Covia SDK (``pip install 'covia[cli]'``).

``main(argv)`` runs one command and returns its exit code; ``covia --help`` lists the
commands. Modules: ``app`` (arguments, running a command), ``venue`` (which venue, which
token), ``render`` (tables and JSON, with or without rich), ``errors`` (exit codes and
one-line messages), ``browse``, ``running``, ``transfer``, ``serve`` and ``demo`` (the
commands), ``inputs``, ``formats``, ``live`` and ``progress`` (their helpers).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``covia`` with ``argv`` (default: the process's arguments); the exit code."""
    from covia.cli.app import run

    return run(argv)
