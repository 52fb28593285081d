"""A program written for the official Covia SDK (``covia`` 0.9.11 on PyPI), using only
its public names and meanings; ``tests/e2e/test_porting.py`` runs it unchanged on this
SDK. Usage: ``python official_sdk.py VENUE_URL``; prints one line per step, ``done``
last.

It must also run on the official SDK itself: keep to names that exist there.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys

from covia import Asset, CoviaError, Grid, GridError, JobStatus, NotFoundError
from covia.async_api import AsyncGrid

ECHO = "v/test/ops/echo"
NEVER = "v/test/ops/never"


def sync_part(url: str) -> None:
    venue = Grid.connect(url, timeout=30)
    try:
        print("url", venue.url.rstrip("/") == url.rstrip("/"))
        print("status", bool(venue.status().name))
        print("ready", venue.wait_until_ready(timeout=30).did == venue.status().did)
        page = venue.list_assets(limit=5, kind="operation")
        print("listed", page.total >= len(page.items))
        print("ops", any(op.name == ECHO for op in venue.list_operations()))

        job = venue.invoke(ECHO, {"prompt": "hello"})
        job.wait(timeout=30)
        print("echo", job.is_finished, job.is_complete, job.status == JobStatus.COMPLETE)
        print("flags", job.is_paused, job.needs_input, job.needs_auth)
        print("result", job.result(timeout=30) == {"prompt": "hello"})
        try:
            print("run", venue.run(ECHO, {"x": 1}, timeout=30) == {"x": 1})
        except GridError as error:  # the official SDK calls POST /run, which 0.1 lacks
            print("run", f"failed: {error.status_code}")

        content = b"ported from the official SDK\n"
        digest = hashlib.sha256(content).hexdigest()
        metadata = {
            "name": "ported asset",
            "content": {"sha256": digest, "contentType": "text/plain"},
        }
        asset = venue.register(metadata)
        print("registered", asset.id is not None, asset.venue is venue)
        stored = asset.put_content(content)  # the official SDK gives the venue's text as it is
        print("put", stored.lower().removeprefix("0x") == digest)
        print("content", asset.get_content() == content)
        again = venue.get_asset(f"a/{asset.id}")
        print("by ref", again.id == asset.id, again.name == "ported asset")
        print("raw", isinstance(again.metadata_raw, str) and "ported asset" in again.metadata_raw)
        print("equal", again == asset, len({again, asset}) == 1)
        print("did url", venue.get_asset(asset.did_url or "").id == asset.id)

        never = venue.invoke(NEVER, {})
        never.cancel(reason="ported program says stop")
        never.refresh()
        print("cancelled", never.status == JobStatus.CANCELLED, never.is_finished)
        try:
            events = list(venue.stream_job_events(never.id))
            print("events", isinstance(events, list))
        except Exception as error:  # the official SDK reads the 0.1 venue's JSON as SSE
            print("events", f"failed: {type(error).__name__}")
        try:
            venue.get_job("00" * 32)
        except NotFoundError as missing:
            print("not found", isinstance(missing, GridError), isinstance(missing, CoviaError))
    finally:
        venue.close()


async def async_part(url: str) -> None:
    venue = AsyncGrid.connect(url, timeout=30)  # the official SDK returns the venue itself
    try:
        status = await venue.status()
        print("async status", bool(status.name))
        ready = await venue.wait_until_ready(timeout=30, poll_interval=0.5)
        print("async ready", ready.did == status.did)
        job = await venue.invoke(ECHO, {"a": 1})
        await job.wait(timeout=30)
        print("async result", await job.result(timeout=30) == {"a": 1})
        try:
            print("async run", await venue.run(ECHO, 2, timeout=30) == 2)
        except GridError as error:
            print("async run", f"failed: {error.status_code}")
    finally:
        await venue.aclose()


def main(url: str) -> None:
    sync_part(url)
    asyncio.run(async_part(url))
    # An Asset built locally, then registered, as the official README shows.
    with Grid.connect(url) as venue:
        registered = venue.register(Asset(metadata={"name": "local then registered"}))
        print("asset class", registered.name == "local then registered")
    print("done")


if __name__ == "__main__":
    main(sys.argv[1])
