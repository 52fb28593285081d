"""A program written against the official SDK's names (``programs/official_sdk.py``)
runs unchanged on this SDK, against the venue under test (in CI also the real one)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from tests.venues import VenueTarget

pytestmark = pytest.mark.venue_needs("anonymous", "test_ops")

PROGRAM = pathlib.Path(__file__).parent / "programs" / "official_sdk.py"
# Every check the program makes holds; a completed job is neither paused nor waiting.
EXPECTED = """\
url True
status True
listed True
ops True
echo True True True
flags False False False
result True
run True
registered True True
put True
content True
by ref True True
raw True
equal True True
did url True
cancelled True True
events True
not found True True
async status True
async result True
async run True
asset class True
done
"""


def test_a_program_written_for_the_official_sdk_runs_unchanged(venue_target: VenueTarget) -> None:
    done = subprocess.run(
        [sys.executable, str(PROGRAM), venue_target.url],
        cwd=PROGRAM.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXPECTED
