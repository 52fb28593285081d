"""The side-by-side table: how figures gathered over rounds and runs read and are judged."""

from __future__ import annotations

from benchmarks.harness import Section
from benchmarks.versus_table import Measure, Table


def test_one_run_shows_the_median_and_the_lowest_and_highest_round() -> None:
    table = Table()
    measure = table.measure("x", [1.0, 3.0, 2.0])
    assert measure.text() == "2.00× (1.00–3.00)"


def test_several_runs_show_the_range_of_their_own_medians_not_of_every_round() -> None:
    table = Table()
    table.measure("x", [1.0, 1.1, 9.0])  # one disturbed round
    table.run = 1
    measure = table.measure("x", [1.2, 1.3, 1.4])
    # The median of all six rounds; the range of the runs' medians (1.1 and 1.3).
    assert measure.text() == "1.25× (1.10–1.30)"


def test_targets_are_judged_on_the_median_either_way() -> None:
    higher = Measure([1.0, 1.4, 1.5], target=1.3)
    lower = Measure([0.5, 0.9, 2.0], target=1.0, lower_is_better=True)
    missed = Measure([1.0, 1.1, 2.0], target=1.3)
    assert (higher.ok, lower.ok, missed.ok) == (True, True, False)
    assert higher.wanted == "≥ 1.3×"
    assert lower.wanted == "≤ 1×"
    assert missed.text(mark=True).endswith("✗ MISSED")
    assert Measure([1.0]).ok is None


def test_a_count_is_summed_over_runs_and_says_how_many_had_any() -> None:
    table = Table()
    failures = table.measure("f", [0, 12, 3], count=True, target=0, lower_is_better=True)
    assert failures.text() == "15 (in 2 of 3 runs)"
    assert failures.wanted == "none"
    assert failures.ok is False


def test_the_markdown_cells_read_their_measures_as_they_end_up() -> None:
    table = Table()
    ratio = table.compare("sync status", [1.5], versus="official", target=1.3)
    table.line("sync status per second", ratio, (ratio, " (raw)"), "≥ 1.3× official")
    table.measure("sync status: ours ÷ official", [1.7])  # a later run adds to it
    lines = table.markdown("footnote").splitlines()
    cells = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert cells == [
        "sync status per second",
        "1.60× (1.50–1.70) ✓",
        "1.60× (1.50–1.70) ✓ (raw)",
        "≥ 1.3× official",
    ]
    assert lines[-1] == "footnote"


def test_fill_adds_every_measure_as_a_row_with_its_target() -> None:
    table = Table()
    table.compare("events", [0.5], versus="official", target=2.0)
    table.notes += ["a note", "a note"]
    section = Section("7.")
    table.fill(section)
    (row,) = section.rows
    assert (row.name, row.value, row.target, row.ok) == (
        "events: ours ÷ official",
        "0.50×",
        "≥ 2×",
        False,
    )
    assert section.notes == ["a note"]
