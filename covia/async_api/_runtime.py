"""Which async library runs the current task: asyncio or trio.

As httpx (through sniffio) and anyio find out, without depending on either: a library
that is running has been imported, so only ``sys.modules`` is consulted, and nothing
here imports asyncio or trio. trio is asked first, because trio's guest mode runs it
inside an asyncio loop and its tasks are then trio's.
"""

from __future__ import annotations

import sys
from typing import Literal

from covia_proto.errors import CoviaUsageError

__all__ = ["AsyncLibrary", "running_library"]

AsyncLibrary = Literal["asyncio", "trio"]


def running_library() -> AsyncLibrary:
    """The async library of the running task; ``CoviaUsageError`` outside of both."""
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_task()
        except RuntimeError:  # trio is imported but not running this thread
            pass
        else:
            return "trio"
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return "asyncio"
    raise CoviaUsageError(
        "the async API runs under asyncio or trio: await it inside asyncio.run() or "
        "trio.run(), or pass driver= for any other loop"
    )
