from __future__ import annotations

import hashlib
from typing import Any

import pytest

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import (
    DEFAULT_CALL_TIMEOUT,
    PollPolicy,
    RetryPolicy,
    VenueContext,
    VenueFeatures,
)


def test_retry_delay_is_full_jitter_under_a_doubling_cap_with_a_retry_after_floor():
    policy = RetryPolicy(base_delay=0.2, max_delay=1.0)
    assert policy.delay(1, None, 0.5) == pytest.approx(0.1)
    assert policy.delay(3, None, 1.0) == pytest.approx(0.8)
    assert policy.delay(10, None, 1.0) == pytest.approx(1.0)
    assert policy.delay(1, 5.0, 0.0) == 5.0
    assert policy.delay(1, 0.0, 0.99) == pytest.approx(0.198)


def test_poll_delays_grow_by_the_factor_to_the_maximum_with_bounded_jitter():
    values = iter([0.0, 1.0, 0.5, 0.5, 0.5])
    delays = PollPolicy(initial=1.0, factor=2.0, maximum=3.0, jitter=0.1).delays(
        lambda: next(values)
    )
    assert [delays() for _ in range(5)] == pytest.approx([0.9, 2.2, 3.0, 3.0, 3.0])


@pytest.mark.parametrize("field", ["base_delay", "max_delay", "budget"])
def test_policies_refuse_non_positive_times(field: str):
    arguments: dict[str, Any] = {field: 0}
    with pytest.raises(CoviaUsageError):
        RetryPolicy(**arguments)


def test_features_start_unknown():
    assert VenueFeatures() == VenueFeatures(events=None)


def test_downloads_are_hashed_inline_with_sha256_unless_a_shell_says_otherwise():
    # The core owns no threads: a pipelined hasher is the shell's to supply.
    assert VenueContext(Endpoint("https://venue.test")).hasher is hashlib.sha256


def test_a_call_has_a_deadline_by_default_and_none_only_when_asked():
    assert VenueContext(Endpoint("https://venue.test")).call_timeout == DEFAULT_CALL_TIMEOUT
    assert VenueContext(Endpoint("https://venue.test"), call_timeout=None).call_timeout is None


@pytest.mark.parametrize("value", [0, -1.0, True, "5", float("nan")])
def test_call_timeout_refuses_what_is_not_a_positive_number_of_seconds(value: Any):
    with pytest.raises(CoviaUsageError, match="call_timeout must be a positive number"):
        VenueContext(Endpoint("https://venue.test"), call_timeout=value)
