"""Exit codes, and the one line a failure prints.

Every failure the CLI reports ends the command with one line on stderr,
``covia: <what went wrong>``, and one of these exit codes (``--debug`` adds the
traceback):

=====  ==============================================================================
code   meaning
=====  ==============================================================================
0      success
1      the venue answered with an error, or broke the protocol
2      usage: bad arguments, unreadable or malformed input, nothing to connect to
3      the venue could not be reached (connection refused or lost, DNS, TLS)
4      a timeout
5      the job ended without completing (FAILED, CANCELLED, REJECTED, TIMEOUT) or
       waits for input the CLI cannot give
130    interrupted (Ctrl-C)
=====  ==============================================================================
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from covia.exceptions import (
    AssetNotFoundError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    MissingDependencyError,
)

__all__ = ["CliError", "ExitCode", "describe"]


class ExitCode(enum.IntEnum):
    OK = 0
    VENUE = 1
    USAGE = 2
    CONNECTION = 3
    TIMEOUT = 4
    JOB = 5
    INTERRUPTED = 130


class CliError(Exception):
    """A failure the CLI itself detects (bad input, a missing file): its message is
    the line to print."""

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _one_line(text: str) -> str:
    return " ".join(text.split())


_UNRESOLVED = "Cannot resolve operation:"


def _unknown_operation(message: str) -> str | None:
    """The operation a venue could not resolve, from its error text, if that is it."""
    _, found, rest = message.partition(_UNRESOLVED)
    return rest.strip() or None if found else None


def _classify(exc: BaseException) -> tuple[ExitCode, str]:
    if isinstance(exc, CliError):
        return exc.code, exc.message
    if isinstance(exc, AssetNotFoundError):
        return ExitCode.VENUE, f"asset not found: {exc.asset_id}"
    if isinstance(exc, JobNotFoundError):
        return ExitCode.VENUE, f"job not found: {exc.job_id}"
    if isinstance(exc, GridError):
        unknown = _unknown_operation(exc.message)
        if unknown is not None:  # the 0.1 venue's Java text; GridError.message keeps it
            return ExitCode.VENUE, f"operation not found: {unknown} ({exc.status_code})"
        return ExitCode.VENUE, f"the venue answered {exc.status_code}: {exc.message}"
    if isinstance(exc, JobFailedError | JobInteractionRequired):
        return ExitCode.JOB, str(exc)
    if isinstance(exc, CoviaConnectionError):
        return ExitCode.CONNECTION, f"network error: {exc}"
    if isinstance(exc, CoviaTimeoutError):
        return ExitCode.TIMEOUT, f"timed out: {exc}"
    if isinstance(exc, CoviaUsageError):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, MissingDependencyError):  # it names the extra to install
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, CoviaError):
        return ExitCode.VENUE, str(exc)
    if isinstance(exc, ImportError):  # an optional dependency is not installed
        missing = exc.name or "a dependency"
        return ExitCode.USAGE, f"{missing} is not installed: pip install 'covia[cli]'"
    if isinstance(exc, OSError):  # a local file, a port already taken, …
        return ExitCode.USAGE, str(exc)
    return ExitCode.VENUE, f"unexpected error: {type(exc).__name__}: {exc}"


def describe(exc: BaseException, secrets: Iterable[str] = ()) -> tuple[ExitCode, str]:
    """The exit code for ``exc`` and the line to print: one line, with any of
    ``secrets`` (the bearer token) masked should a message ever contain one."""
    code, message = _classify(exc)
    forms = _secret_forms(secrets)
    return code, _masked(_one_line(_masked(message, forms)), forms)


def _secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as a message may hold it: as it is, in its repr (a library showing
    the value ``'A\\nB'``), in ascii(), and on one line: longest first, so a form is
    masked whole before a shorter one inside it."""
    forms = {
        form
        for secret in secrets
        if secret
        for form in (secret, repr(secret)[1:-1], ascii(secret)[1:-1], _one_line(secret))
        if form
    }
    return sorted(forms, key=len, reverse=True)


def _masked(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, "***")
    return text
