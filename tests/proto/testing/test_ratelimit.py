"""The sliding-window rate limiter of the latest profile."""

from __future__ import annotations

from covia_proto.testing.ratelimit import RateLimit, RateLimiter


def test_admits_up_to_the_limit_per_window() -> None:
    limiter = RateLimiter(RateLimit(2, per=1.0))
    assert limiter.admit(0.0) is None
    assert limiter.admit(0.2) is None
    assert limiter.admit(0.5) == 1
    assert limiter.admit(1.0) is None  # the first request left the window
    assert limiter.admit(1.1) == 1


def test_retry_after_counts_whole_seconds() -> None:
    limiter = RateLimiter(RateLimit(1, per=10.0))
    assert limiter.admit(100.0) is None
    assert limiter.admit(101.5) == 9
    assert limiter.admit(109.99) == 1
    assert limiter.admit(110.0) is None
