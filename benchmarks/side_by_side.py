"""Section 7: the SDK side by side with the official SDK and a raw baseline (issue #20).

Each scenario runs ours, the official SDK (``covia`` 0.9.11, httpx and pydantic, in its
own virtualenv and worker process: ``official.py``) and the least a raw client does,
against the same canned server in the same run, in interleaved rounds
(``versus_calls.py``, ``versus_streams.py``). Rows give the ratios as the issue states
its targets (ours ÷ official and ours ÷ raw; rates, so higher is better unless a row
says otherwise) with their ranges (``versus_table.py``), then met or MISSED. The
section's ``markdown`` is the same comparison as the README's table; ``benchmarks.run``
prints it. ``--repeat N`` runs the section N times over.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

from benchmarks.harness import Section, Settings
from benchmarks.official import OfficialError, OfficialWorker, ensure_venv
from benchmarks.versus_calls import async_calls, concurrency, parsing, sync_calls
from benchmarks.versus_streams import events, transfers, wait_overhead
from benchmarks.versus_table import Table

__all__ = ["run"]


def run(settings: Settings, url: str) -> Section:
    runs = settings.repeat
    section = Section(
        "7. Side by side: ours, the official SDK (covia 0.9.11) and raw clients"
        + (f", {runs} runs" if runs > 1 else "")
    )
    table = Table()
    load_before = os.getloadavg()
    python = None
    worker: OfficialWorker | None = None
    if settings.official:
        try:
            python = ensure_venv()
        except OfficialError as exc:
            section.add("official SDK", "not available", reason=str(exc))
            section.notes.append(f"the official SDK could not be installed: {exc}")
    else:
        section.notes.append("the official SDK is left out (--no-official)")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("sync calls", lambda: sync_calls(settings, url, worker, table)),
        ("async calls", lambda: async_calls(settings, url, worker, table)),
        ("events", lambda: events(settings, url, worker, table)),
        ("content", lambda: transfers(settings, url, python, table)),
        ("wait overhead", lambda: wait_overhead(settings, worker, table)),
        ("concurrency", lambda: concurrency(settings, url, worker, table)),
        ("parsing", lambda: parsing(settings, worker, table)),
    ]
    with contextlib.ExitStack() as stack:
        if python is not None:
            worker = stack.enter_context(OfficialWorker(python))
            version = worker.call("version")
            section.notes.append(
                f"official SDK {version['version']} on Python {version['python']}, "
                f"in its own venv and worker processes"
            )
        for number in range(runs):
            table.run = number
            for name, step in steps:
                print(f"  side by side, run {number + 1} of {runs}: {name} ...", flush=True)
                step()
    load = (
        f"load average (1, 5, 15 min) before {_load(load_before)}, after {_load(os.getloadavg())}"
    )
    section.notes.append(load)
    table.fill(section)
    spread = (
        f"the lowest and highest of the {runs} runs' own medians"
        if runs > 1
        else "the lowest and highest round (one run)"
    )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section.markdown = table.markdown(
        f"Ratios of rates unless a row says otherwise: the median of every round, then "
        f"{spread}; — where the issue sets no target; {load}; {when}."
    )
    return section


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)
