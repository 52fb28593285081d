"""A program written against the official SDK's names (``programs/official_sdk.py``)
runs unchanged on this SDK, against the venue under test (in CI also the real one)."""

from __future__ import annotations

import pathlib
import subprocess
import sys
from typing import Any

import pytest

from covia import JobStatus
from tests.e2e.clients import CLIENTS, Client
from tests.venues import VenueTarget

pytestmark = pytest.mark.venue_needs("anonymous", "test_ops")

PROGRAM = pathlib.Path(__file__).parent / "programs" / "official_sdk.py"
# Every check the program makes holds; a completed job is neither paused nor waiting.
EXPECTED = """\
url True
status True
ready True
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
async ready True
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


ECHO, NEVER, PAUSE, CHAT = (f"v/test/ops/{name}" for name in ("echo", "never", "pause", "chat"))


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.name)
def test_the_official_names_under_every_client(client: Client, venue_target: VenueTarget) -> None:
    async def scenario(venue: Any) -> None:
        assert venue.url == venue.base_url
        page = await venue.list_assets(limit=3, kind="operation")
        assert len(page.items) <= 3

        chat = await venue.invoke(CHAT, None)
        await chat.wait(timeout=30)
        assert chat.status == JobStatus.INPUT_REQUIRED
        # As in the official SDK: needs_input alone says "send a message".
        assert (chat.needs_input, chat.needs_auth, chat.is_paused) == (True, False, True)
        assert chat.waiting_for_caller
        ack = await venue.send_job_message(chat.id, {"content": "done"})
        assert ack.status == "queued"
        assert await chat.result(timeout=30) == {"status": "conversation complete"}

        paused = await venue.invoke(PAUSE, {"keep": "me"})
        await paused.wait(timeout=30)
        assert (paused.needs_input, paused.needs_auth, paused.is_paused) == (False, False, True)
        assert (await venue.resume_job(paused.id)).id == paused.id
        assert (await venue.pause_job(paused.id)).id == paused.id

        never = await venue.invoke(NEVER, {})
        cancelled = await venue.cancel_job(never.id, reason="ported code cancels by id")
        assert cancelled.status == JobStatus.CANCELLED
        assert [event async for event in venue.stream_job_events(never.id)]
        other = await venue.invoke(NEVER, {})
        await other.cancel(reason="and by job")
        assert other.status == JobStatus.CANCELLED

    client.run(venue_target.url, scenario)
