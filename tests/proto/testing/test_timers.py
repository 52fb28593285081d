"""Timers on a given clock."""

from __future__ import annotations

from covia_proto.testing.timers import Timers


def test_due_timers_run_in_time_then_schedule_order() -> None:
    timers = Timers()
    ran: list[str] = []
    timers.schedule(2.0, lambda: ran.append("b"))
    timers.schedule(1.0, lambda: ran.append("a"))
    timers.schedule(2.0, lambda: ran.append("c"))
    assert timers.next_wake() == 1.0
    assert timers.run_due(0.5) == 0
    assert timers.run_due(2.0) == 3
    assert ran == ["a", "b", "c"]
    assert timers.next_wake() is None


def test_cancelled_timers_never_run() -> None:
    timers = Timers()
    ran: list[int] = []
    first = timers.schedule(1.0, lambda: ran.append(1))
    timers.schedule(3.0, lambda: ran.append(3))
    first.cancel()
    assert timers.next_wake() == 3.0
    timers.run_due(5.0)
    assert ran == [3]


def test_timers_added_by_timers_run_if_due() -> None:
    timers = Timers()
    ran: list[str] = []

    def inner() -> None:
        timers.schedule(1.5, lambda: ran.append("inner"))

    def later() -> None:
        timers.schedule(9.0, lambda: ran.append("later"))

    timers.schedule(1.0, inner)
    timers.schedule(1.0, later)
    assert timers.run_due(2.0) == 3
    assert ran == ["inner"]
    assert timers.next_wake() == 9.0
