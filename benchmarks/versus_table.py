"""The side-by-side section's table: values gathered over rounds and runs, their targets,
and the same comparison as Markdown for the README.

Every figure is a ``Measure``: the values of every round of every run (``--repeat``),
shown as their median and, in brackets, a range: over several runs, the lowest and
highest of the runs' own medians (the range over runs the issue asks for, which one
round disturbed by the shared machine does not stretch); within one run, the lowest and
highest round. A target, where the issue sets one, is judged on the median. The
Markdown table is made of cells that name measures, so a measure that gains values in a
later run reads the same everywhere.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from benchmarks.harness import RoundRates, Section
from benchmarks.official import OfficialWorker

__all__ = [
    "ASYNC_VS_OFFICIAL",
    "DOWNLOAD_VS_OFFICIAL",
    "DOWNLOAD_VS_RAW",
    "EVENTS_VS_OFFICIAL",
    "EVENTS_VS_RAW",
    "H11_SYNC",
    "HASHED_VS_HASH",
    "MIB",
    "OFFICIAL",
    "OURS",
    "PARSE_VS_OFFICIAL",
    "SYNC_VS_OFFICIAL",
    "URLLIB3_SYNC",
    "Cell",
    "Measure",
    "Table",
    "local_rounds",
    "remote_rounds",
    "round_ratios",
]

OURS = "covia"
OFFICIAL = "official 0.9.11"
H11_SYNC = "covia on h11 over a socket (benchmark driver)"
URLLIB3_SYNC = "covia on urllib3 (benchmark driver)"
MIB = 1 << 20

# The targets, as ratios ours ÷ other of rates (≥) or of times (≤).
SYNC_VS_OFFICIAL = 1.3
ASYNC_VS_OFFICIAL = 2.0
EVENTS_VS_OFFICIAL = 2.0
EVENTS_VS_RAW = 0.7
DOWNLOAD_VS_OFFICIAL = 1.5
DOWNLOAD_VS_RAW = 0.8
HASHED_VS_HASH = 0.75  # within 25 % of SHA-256's own speed
PARSE_VS_OFFICIAL = 1.0  # time, no slower


@dataclass
class Measure:
    values: list[float] = field(default_factory=list)
    by_run: dict[int, list[float]] = field(default_factory=dict)
    unit: str = "×"
    digits: int = 2
    target: float | None = None
    lower_is_better: bool = False
    count: bool = False  # a count of events (failures): the sum over runs, not a median

    @property
    def ok(self) -> bool | None:
        if self.target is None or not self.values:
            return None
        median = statistics.median(self.values)
        return median <= self.target if self.lower_is_better else median >= self.target

    @property
    def wanted(self) -> str:
        if self.target is None:
            return ""
        if self.count and self.target == 0:
            return "none"
        return f"{'≤' if self.lower_is_better else '≥'} {self.target:g}{self.unit}"

    def text(self, *, mark: bool = False) -> str:
        values = self.values
        if not values:
            return "not measured"
        if self.count:
            failing = sum(1 for v in values if v)
            return f"{sum(values):,.0f} (in {failing} of {len(values)} runs)"
        d = self.digits
        text = f"{statistics.median(values):,.{d}f}{self.unit}"
        spread = values
        if len(self.by_run) > 1:
            spread = [statistics.median(run) for run in self.by_run.values()]
        if len(spread) > 1:
            text += f" ({min(spread):,.{d}f}–{max(spread):,.{d}f})"
        if mark and self.ok is not None:
            text += " ✓" if self.ok else " ✗ MISSED"
        return text


Cell: TypeAlias = str | Measure | tuple[str | Measure, ...]


def _cell(cell: Cell) -> str:
    parts = cell if isinstance(cell, tuple) else (cell,)
    return "".join(p if isinstance(p, str) else p.text(mark=True) for p in parts)


class Table:
    def __init__(self) -> None:
        self.measures: dict[str, Measure] = {}
        self.lines: dict[str, tuple[Cell, Cell, str]] = {}  # scenario: official, raw, target
        self.stacks: dict[str, dict[str, Cell]] = {}  # sync stack: column: cell
        self.notes: list[str] = []
        self.run = 0  # which run values added now belong to

    def measure(
        self,
        name: str,
        values: list[float],
        *,
        unit: str = "×",
        digits: int = 2,
        target: float | None = None,
        lower_is_better: bool = False,
        count: bool = False,
    ) -> Measure:
        """The measure called ``name`` (made on first use), with ``values`` added."""
        found = self.measures.get(name)
        if found is None:
            found = self.measures[name] = Measure(
                unit=unit,
                digits=digits,
                target=target,
                lower_is_better=lower_is_better,
                count=count,
            )
        found.values.extend(values)
        found.by_run.setdefault(self.run, []).extend(values)
        return found

    def compare(
        self,
        scenario: str,
        ratios: list[float],
        *,
        versus: str,
        target: float | None = None,
        lower_is_better: bool = False,
        ours: str = "ours",
    ) -> Measure:
        """Ratios ``ours`` ÷ ``versus``, one a round."""
        return self.measure(
            f"{scenario}: {ours} ÷ {versus}",
            ratios,
            target=target,
            lower_is_better=lower_is_better,
        )

    def rates(self, what: str, rates: RoundRates) -> None:
        """A measure of each case's rate, one value a round."""
        for name, values in rates.rounds.items():
            self.measure(f"{what}, {name}", values, unit="", digits=0)

    def line(self, scenario: str, official: Cell, raw: Cell, target: str) -> None:
        """A line of the Markdown table (the same scenario in a later run: the same line)."""
        self.lines[scenario] = (official, raw, target)

    def fill(self, section: Section) -> None:
        """The section's rows: every measure, with its target and whether it is met."""
        section.notes += [note for note in dict.fromkeys(self.notes) if note not in section.notes]
        for name, measure in self.measures.items():
            median = statistics.median(measure.values) if measure.values else None
            section.add(
                name, measure.text(), measure.wanted, measure.ok, median=median,
                values=measure.values,
            )  # fmt: skip

    def markdown(self, footnote: str) -> str:
        lines = ["| scenario | ours ÷ official | ours ÷ raw | target |", "|---|---|---|---|"]
        for scenario, (official, raw, target) in self.lines.items():
            lines.append(f"| {scenario} | {_cell(official)} | {_cell(raw)} | {target} |")
        lines += ["", footnote]
        if self.stacks:
            columns = list(next(iter(self.stacks.values())))
            lines += ["", f"| sync client over a faster HTTP/1.1 stack | {' | '.join(columns)} |"]
            lines.append("|---" * (len(columns) + 1) + "|")
            for stack, cells in self.stacks.items():
                lines.append(f"| {stack} | {' | '.join(_cell(cells[c]) for c in columns)} |")
        return "\n".join(lines)


def round_ratios(rates: RoundRates, top: str, bottom: str) -> list[float]:
    """rate(top) ÷ rate(bottom), round by round."""
    pairs = zip(rates.rounds[top], rates.rounds[bottom], strict=True)
    return [a / b for a, b in pairs]


def local_rounds(fn: Callable[[], object], calls: int) -> Callable[[], float]:
    """A round of ``calls`` calls of ``fn`` here, for ``rate_rounds``: its rate."""

    def one_round() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        return calls / (time.perf_counter() - start)

    return one_round


def remote_rounds(
    worker: OfficialWorker, command: str, calls: int, **arguments: Any
) -> Callable[[], float]:
    """A round of ``calls`` calls timed in the official SDK's worker: its rate."""

    def one_round() -> float:
        return calls / float(worker.call(command, calls=calls, **arguments)["seconds"])

    return one_round
