"""Run every benchmark and print one table: ``python -m benchmarks.run [--quick]``.

``--quick`` is the smoke run (seconds) that CI uses so the benchmarks cannot rot: the
same code paths with tiny sizes and counts; its numbers mean nothing. The full run
takes a few minutes on a 2-core machine. Results also go to ``benchmarks/results/`` as
JSON. A section that fails is reported as failed and the others still run; the exit
status is then 1.
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    canned_server,
    concurrency,
    content,
    core,
    events,
    json_memory,
    latency,
    sequential,
    side_by_side,
)
from benchmarks.harness import Result, Section, Settings, machine, render, write_json

__all__ = ["SECTIONS", "main"]

RESULTS = Path(__file__).resolve().parent / "results"

# (title, needs the canned server, runner)
SECTIONS: list[tuple[str, bool, Callable[..., Section]]] = [
    ("1. Core cost", False, core.run),
    ("2a. Sequential calls", True, sequential.run),
    ("2b. Concurrent calls", True, concurrency.run),
    ("3. Job-completion latency", False, latency.run),
    ("4. Content", True, content.run),
    ("5. Events", True, events.run),
    ("6. JSON memory", False, json_memory.run),
    ("7. Side by side", True, side_by_side.run),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: seconds, not minutes")
    parser.add_argument(
        "--only", action="append", default=[], help="run sections whose title starts so"
    )
    parser.add_argument(
        "--no-official",
        action="store_true",
        help="leave out the official SDK (which is otherwise installed on first use)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the side-by-side section this many times; its ranges cover every run",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS, help="where the JSON results go"
    )
    args = parser.parse_args(argv)
    settings = Settings(quick=args.quick, official=not args.no_official, repeat=max(1, args.repeat))
    started = time.perf_counter()
    sections: list[Section] = []
    failed = False
    with canned_server.running() as url:
        for title, needs_server, runner in SECTIONS:
            if args.only and not any(title.startswith(prefix) for prefix in args.only):
                continue
            print(f"running {title} ...", flush=True)
            try:
                section = runner(settings, url) if needs_server else runner(settings)
            except Exception as exc:
                failed = True
                traceback.print_exc()
                section = Section(title)
                section.add("section failed", f"{type(exc).__name__}: {exc}"[:200], ok=False)
            sections.append(section)
    result = Result(sections, machine(), args.quick, time.perf_counter() - started)
    print()
    print(render(result))
    for section in sections:
        if section.markdown:
            print(f"\n{section.title}, as Markdown:\n\n{section.markdown}")
    path = write_json(result, args.results_dir)
    print(f"\nresults written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
