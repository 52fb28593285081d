"""``covia demo`` and the documentation's walkthrough, run against the venue under test
(in CI also the real venue), as a user would run them: separate processes, exit code 0."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from tests.venues import VenueTarget

pytestmark = pytest.mark.venue_needs("anonymous", "test_ops")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_covia_demo_runs_against_the_venue(venue_target: VenueTarget) -> None:
    done = run("-m", "covia.cli", "--venue", venue_target.url, "demo")
    assert done.returncode == 0, done.stderr
    assert "Demo complete." in done.stdout
    assert "JobFailedError: something broke" in done.stdout


def test_the_walkthrough_runs_against_the_venue(venue_target: VenueTarget) -> None:
    done = run("examples/walkthrough.py", venue_target.url)
    assert done.returncode == 0, done.stderr
    for heading in ("Quick start", "Invoking operations", "Assets", "Jobs", "Async API", "Trio"):
        assert f"== {heading} (" in done.stdout
    assert "Job failed: something broke" in done.stdout
