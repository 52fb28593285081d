"""The simulator's default profile answers raw HTTP as the real venue does.

Each scenario of ``probe`` sends the same raw requests; ``recorded.json`` holds what the
real venue (covia develop 87d1b66, ``../shared/real-venue``) answered, normalised (ids,
DIDs, times and random bytes replaced; key sets, JSON types, status codes, content
types and error texts kept). Offline, the simulator is held to that record; given a
real venue (``--venue-url`` / ``COVIA_TEST_VENUE_URL``), the record is checked against
it, so a change of the venue shows here first. Re-record with ``python -m
tests.parity.record URL`` against a fresh venue.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from covia_proto.testing import catalog
from tests.parity.probe import PRIVATE_SCENARIOS, SCENARIOS, record

WARM_UP = 60.0  # seconds to wait at most for a freshly started venue's catalogue

RECORDED: dict[str, list[dict[str, Any]]] = json.loads(
    Path(__file__).with_name("recorded.json").read_text(encoding="utf-8")
)


def assert_same(seen: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Observation by observation, so a failure names the request that differs."""
    for index, (got, want) in enumerate(zip(seen, expected, strict=False)):
        assert got == want, f"observation {index}: {want.get('request')}"
    assert len(seen) == len(expected)


def test_every_scenario_is_recorded() -> None:
    assert set(RECORDED) == set(SCENARIOS) | set(PRIVATE_SCENARIOS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_simulator_answers_as_the_real_venue_did(covia_venue_url: str, scenario: str) -> None:
    assert_same(record(covia_venue_url, scenario), RECORDED[scenario])


@pytest.fixture(scope="module")
def warm_venue_url(external_venue_url: str) -> str:
    """The real venue once its catalogue is complete: it fills in for a few seconds
    after start (``stats.ops`` climbs to its final count)."""
    wanted = len(catalog.load().operations)
    deadline = time.monotonic() + WARM_UP
    while time.monotonic() < deadline:
        with urllib.request.urlopen(external_venue_url + "/api/v1/status", timeout=10) as answer:
            if json.loads(answer.read()).get("stats", {}).get("ops", 0) >= wanted:
                break
        time.sleep(0.5)
    return external_venue_url


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_real_venue_still_answers_as_recorded(warm_venue_url: str, scenario: str) -> None:
    assert_same(record(warm_venue_url, scenario), RECORDED[scenario])


@pytest.mark.covia_venue(public=False)
@pytest.mark.parametrize("scenario", sorted(PRIVATE_SCENARIOS))
def test_a_private_simulator_answers_as_the_real_venue_did(
    covia_venue_url: str, scenario: str
) -> None:
    assert_same(record(covia_venue_url, scenario), RECORDED[scenario])


@pytest.mark.parametrize("scenario", sorted(PRIVATE_SCENARIOS))
def test_the_private_real_venue_still_answers_as_recorded(
    private_venue_url: str, scenario: str
) -> None:
    assert_same(record(private_venue_url, scenario), RECORDED[scenario])
