"""Each kind of failure gets its exit code and one line."""

from __future__ import annotations

import pytest

from covia.cli.errors import CliError, ExitCode, describe
from covia.exceptions import (
    AssetNotFoundError,
    ContentHashError,
    CoviaConnectionError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
)
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord
from tests.cli.helpers import assert_one_line_error, covia


@pytest.mark.parametrize(
    ("exc", "code", "fragment"),
    [
        (CliError("bad input"), ExitCode.USAGE, "bad input"),
        (CliError("venue lied", ExitCode.VENUE), ExitCode.VENUE, "venue lied"),
        (AssetNotFoundError(404, "gone", asset_id="ab" * 32), ExitCode.VENUE, "asset not found"),
        (JobNotFoundError(404, "gone", job_id="cd" * 16), ExitCode.VENUE, "job not found: cdcd"),
        (GridError(400, "Invalid asset ID"), ExitCode.VENUE, "answered 400: Invalid asset ID"),
        (ContentHashError("aa", "bb"), ExitCode.VENUE, "aa"),
        (CoviaConnectionError("connection refused"), ExitCode.CONNECTION, "network error"),
        (CoviaTimeoutError("no answer in 5s"), ExitCode.TIMEOUT, "timed out"),
        (CoviaUsageError("timeout must be positive"), ExitCode.USAGE, "timeout must be"),
        (FileNotFoundError(2, "No such file", "x.json"), ExitCode.USAGE, "x.json"),
        (ModuleNotFoundError("no", name="requests"), ExitCode.USAGE, "requests is not installed"),
        (RuntimeError("what"), ExitCode.VENUE, "RuntimeError: what"),
    ],
)
def test_every_kind_of_failure_has_its_code_and_a_line(exc, code, fragment):
    got_code, line = describe(exc)
    assert got_code == code
    assert fragment in line
    assert "\n" not in line


def test_a_job_that_did_not_complete_is_its_own_code():
    failed = JobRecord(id="ab" * 16, status=JobStatus.FAILED, error="boom")
    waiting = JobRecord(id="ab" * 16, status=JobStatus.INPUT_REQUIRED)
    assert describe(JobFailedError(failed)) == (ExitCode.JOB, str(JobFailedError(failed)))
    assert "boom" in describe(JobFailedError(failed))[1]
    assert describe(JobInteractionRequired(waiting))[0] == ExitCode.JOB


def test_a_message_on_several_lines_becomes_one():
    _, line = describe(GridError(500, "first line\nsecond line\n\n  third"))
    assert line == "the venue answered 500: first line second line third"


def test_secrets_are_masked_wherever_they_appear():
    _, line = describe(CoviaConnectionError("token s3cr3t was refused"), ["s3cr3t", ""])
    assert "s3cr3t" not in line
    assert "token *** was refused" in line


def test_the_documented_codes():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 5, 130]


@pytest.mark.parametrize("token", ["A\nB-s3cr3t", "tab\ts3cr3t", "snow\u2603s3cr3t", "nul\0s3cr3t"])
def test_secrets_are_masked_in_their_repr_form_too(token: str) -> None:
    for message in (f"bad value {token!r}", f"bad value {token!a}", f"bad {token} value"):
        _, line = describe(CoviaUsageError(message), [token])
        assert "s3cr3t" not in line, line
        assert "***" in line


def test_a_token_http_cannot_carry_is_refused_and_never_printed() -> None:
    # Before: requests refused it with a ValueError showing the value's repr.
    result = covia("status", "--venue", "http://127.0.0.1:9", env={"COVIA_TOKEN": "A\nB-s3cr3t"})
    assert result.returncode == 2, result.stderr
    assert_one_line_error(result.stderr, "Authorization")
    assert "s3cr3t" not in result.stderr + result.stdout
