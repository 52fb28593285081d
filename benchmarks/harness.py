"""What every section shares: settings, results, side-by-side timing and the table.

The machines these run on are shared and noisy, so nothing here trusts one absolute
number: cases that are compared are timed in interleaved rounds (A, B, C, then B, C, A,
…) within the same run, and the table reports their ratios next to the rates.
"""

from __future__ import annotations

import gc
import json
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Result",
    "RoundRates",
    "Row",
    "Section",
    "Settings",
    "arounds_per_second",
    "machine",
    "percentile",
    "rate_rounds",
    "render",
    "rounds_per_second",
    "unavailable",
    "write_json",
]


@dataclass(frozen=True)
class Settings:
    """How much work each section does: ``quick`` is the seconds-long smoke run."""

    quick: bool = False
    official: bool = True  # compare with the official SDK (installed on first use)
    repeat: int = 1  # runs of the side-by-side section, its ranges taken over all of them

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Row:
    """One line of the table: a measured value, its target and whether it is met.

    ``ok`` is None where a row has no target (or could not run)."""

    name: str
    value: str
    target: str = ""
    ok: bool | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    markdown: str = ""  # a table for the README, where a section makes one

    def add(
        self, name: str, value: str, target: str = "", ok: bool | None = None, **data: Any
    ) -> None:
        self.rows.append(Row(name, value, target, ok, data))


@dataclass
class Result:
    sections: list[Section]
    machine: dict[str, str]
    quick: bool
    seconds: float


def unavailable(section: Section, name: str, reason: str) -> None:
    """A row for a driver (or library) that is not there: reported, never a crash."""
    section.add(name, "not available", ok=None, reason=reason)


class RoundRates(dict[str, float]):
    """Calls per second of each case (the median over rounds); ``rounds`` keeps every
    round's rate so ratios can be taken round by round."""

    def __init__(self, rounds: dict[str, list[float]]) -> None:
        super().__init__({name: statistics.median(rates) for name, rates in rounds.items()})
        self.rounds = rounds

    def ratio(self, numerator: str, denominator: str) -> float:
        """rate(numerator) ÷ rate(denominator): the median of the per-round ratios,
        since within a round the cases ran back to back on the same machine state."""
        pairs = zip(self.rounds[numerator], self.rounds[denominator], strict=True)
        return statistics.median(top / bottom for top, bottom in pairs)


def rounds_per_second(
    cases: dict[str, Callable[[], None]], *, calls: int, rounds: int
) -> RoundRates:
    """Calls per second of each case, each the median over ``rounds`` interleaved
    rounds of ``calls`` calls (the order rotates every round, so drift in the
    machine's speed falls on every case alike)."""
    names = list(cases)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(2):  # warm up: connections, caches, imports
        for name in names:
            cases[name]()
    for number in range(rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            fn = cases[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            per_round[name].append(calls / (time.perf_counter() - start))
    return RoundRates(per_round)


async def arounds_per_second(
    cases: dict[str, Callable[[], Awaitable[object]]], *, calls: int, rounds: int
) -> RoundRates:
    """``rounds_per_second`` for coroutine functions, under any async library."""
    names = list(cases)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(2):
        for name in names:
            await cases[name]()
    for number in range(rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            fn = cases[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                await fn()
            per_round[name].append(calls / (time.perf_counter() - start))
    return RoundRates(per_round)


def rate_rounds(cases: dict[str, Callable[[], float]], *, rounds: int) -> RoundRates:
    """Like ``rounds_per_second`` for cases that time themselves: each call of a case
    runs one round (here, or in another process) and returns its rate. One call of each
    warms up; the order rotates every round."""
    names = list(cases)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        cases[name]()
    for number in range(rounds):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            gc.collect()
            per_round[name].append(cases[name]())
    return RoundRates(per_round)


def percentile(values: Iterable[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def machine() -> dict[str, str]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor()
    import os

    return {
        "cpus": str(os.cpu_count()),
        "cpu": model or "unknown",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def render(result: Result) -> str:
    """The table, one block per section."""
    lines = []
    info = result.machine
    mode = "quick (smoke) run" if result.quick else "full run"
    lines.append(
        f"Covia SDK benchmarks, {mode}: {info['cpus']} CPUs, {info['cpu']}, "
        f"Python {info['python']}, {result.seconds:.0f} s"
    )
    for section in result.sections:
        lines.append("")
        lines.append(f"== {section.title}")
        width = max([len(row.name) for row in section.rows] + [10])
        vwidth = max([len(row.value) for row in section.rows] + [5])
        twidth = max([len(row.target) for row in section.rows] + [6])
        for row in section.rows:
            lines.append(
                f"  {row.name:<{width}}  {row.value:>{vwidth}}  {row.target:<{twidth}}  "
                f"{_mark(row.ok)}".rstrip()
            )
        for note in section.notes:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


def write_json(result: Result, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{'quick' if result.quick else 'full'}-{stamp}.json"
    path.write_text(json.dumps(asdict(result), indent=2, default=str) + "\n", encoding="utf-8")
    return path
