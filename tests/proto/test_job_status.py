"""Tests of job statuses and the transition table (venue-api.md §4.2, §4.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.job_status import (
    ACTIVE,
    INTERACTIVE,
    TERMINAL,
    TRANSITIONS,
    JobStatus,
    can_transition,
)

S = JobStatus
ALL = list(JobStatus)


def test_members_are_the_venue_strings() -> None:
    assert [s.value for s in ALL] == [
        "PENDING",
        "STARTED",
        "COMPLETE",
        "FAILED",
        "CANCELLED",
        "REJECTED",
        "TIMEOUT",
        "PAUSED",
        "INPUT_REQUIRED",
        "AUTH_REQUIRED",
    ]


@pytest.mark.parametrize("status", ALL)
def test_equal_to_plain_strings(status: JobStatus) -> None:
    assert status == status.value
    assert status.value == status
    assert str(status) == status.value
    assert hash(status) == hash(status.value)
    lookup: dict[str, int] = {status.value: 1}
    assert lookup[status] == 1
    assert JobStatus(status.value) is status


def test_sets_partition_the_statuses() -> None:
    assert {S.COMPLETE, S.FAILED, S.CANCELLED, S.REJECTED, S.TIMEOUT} == TERMINAL
    assert {S.PAUSED, S.INPUT_REQUIRED, S.AUTH_REQUIRED} == INTERACTIVE
    assert {S.PENDING, S.STARTED} == ACTIVE
    assert set(ALL) == TERMINAL | INTERACTIVE | ACTIVE
    assert not (TERMINAL & INTERACTIVE)
    assert not (TERMINAL & ACTIVE)
    assert not (INTERACTIVE & ACTIVE)


@pytest.mark.parametrize("status", ALL)
def test_predicates_agree_with_sets(status: JobStatus) -> None:
    assert status.is_terminal is (status in TERMINAL)
    assert status.is_interactive is (status in INTERACTIVE)
    assert status.is_active is (status in ACTIVE)
    assert status.is_known


def test_timeout_is_terminal_for_the_sdk() -> None:
    assert S.TIMEOUT.is_terminal


@pytest.mark.parametrize(
    ("text", "member"),
    [("pending", S.PENDING), ("Complete", S.COMPLETE), ("input_required", S.INPUT_REQUIRED)],
)
def test_lower_case_known_statuses_map_to_members(text: str, member: JobStatus) -> None:
    assert JobStatus(text) is member


def test_unknown_status_parses_and_keeps_waiting() -> None:
    status = JobStatus("ARCHIVED")
    assert isinstance(status, JobStatus)
    assert status == "ARCHIVED"
    assert status.value == "ARCHIVED"
    assert repr(status) == "JobStatus.ARCHIVED"
    assert not status.is_known
    assert not status.is_terminal
    assert not status.is_interactive
    assert status.is_active
    assert status not in ALL
    assert JobStatus("ARCHIVED") == status


def test_non_string_is_not_a_status() -> None:
    with pytest.raises(ValueError, match="not a valid JobStatus"):
        JobStatus(3)  # type: ignore[arg-type]


def test_table_covers_every_known_status() -> None:
    assert set(TRANSITIONS) == set(ALL)


@pytest.mark.parametrize("old", sorted(TERMINAL))
@pytest.mark.parametrize("new", [*ALL, JobStatus("ARCHIVED")])
def test_nothing_leaves_a_terminal_status(old: JobStatus, new: JobStatus) -> None:
    assert not can_transition(old, new)
    assert TRANSITIONS[old] == frozenset()


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (S.PENDING, S.STARTED, True),
        (S.PENDING, S.COMPLETE, True),
        (S.PENDING, S.INPUT_REQUIRED, True),  # chat: no STARTED
        (S.PENDING, S.PAUSED, True),  # pause op
        (S.PENDING, S.PENDING, True),
        (S.STARTED, S.COMPLETE, True),
        (S.STARTED, S.PAUSED, True),  # REST pause relabels any live job
        (S.INPUT_REQUIRED, S.PAUSED, True),
        (S.PAUSED, S.STARTED, True),  # resume
        (S.AUTH_REQUIRED, S.STARTED, True),
        (S.INPUT_REQUIRED, S.INPUT_REQUIRED, True),  # another chat turn
        (S.PAUSED, S.COMPLETE, True),  # pause is only a label
        (S.INPUT_REQUIRED, S.FAILED, True),  # 120 s wait expiry
        (S.STARTED, S.PENDING, False),
        (S.PAUSED, S.PENDING, False),
        (S.COMPLETE, S.FAILED, False),
        (S.FAILED, S.STARTED, False),
    ],
)
def test_transitions(old: JobStatus, new: JobStatus, allowed: bool) -> None:
    assert can_transition(old, new) is allowed


def test_unknown_statuses_get_the_benefit_of_the_doubt() -> None:
    unknown = JobStatus("QUEUED")
    assert can_transition(S.STARTED, unknown)
    assert can_transition(unknown, S.PENDING)
    assert can_transition(unknown, S.COMPLETE)
    assert not can_transition(S.CANCELLED, unknown)


@given(st.sampled_from(ALL), st.sampled_from(ALL))
def test_table_and_function_agree(old: JobStatus, new: JobStatus) -> None:
    assert can_transition(old, new) is (new in TRANSITIONS[old])
    if new in TRANSITIONS[old] and new is not S.PENDING:
        # Every reachable live status can still reach a terminal one.
        assert new.is_terminal or any(t in TRANSITIONS[new] for t in TERMINAL)


@pytest.mark.parametrize("status", list(JobStatus))
def test_the_official_names_is_finished_and_is_paused(status: JobStatus) -> None:
    assert status.is_finished == status.is_terminal
    assert status.is_paused == status.is_interactive
