"""``covia._connect``: reading ``Grid.connect``'s arguments into an address and a
flow context."""

from __future__ import annotations

import pytest

from covia._connect import connection_context, relocated
from covia.auth import BearerAuth, NoAuth
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.context import PollPolicy, RetryPolicy

DEFAULTS: dict[str, object] = {
    "timeout": 30.0,
    "headers": None,
    "auth": None,
    "retry": None,
    "poll": None,
}


def connect(address: object, **options: object):
    return connection_context(address, **{**DEFAULTS, **options})  # type: ignore[arg-type]


def test_url_gives_its_base_url_and_defaults() -> None:
    where, context = connect("https://venue.example.com/api/v1/")
    assert where.base_url == "https://venue.example.com"
    assert where.did is None
    assert context.endpoint.base_url == "https://venue.example.com"
    assert context.endpoint.auth == NoAuth()
    assert context.endpoint.headers == ()
    assert context.retry == RetryPolicy()
    assert context.poll == PollPolicy()
    assert 0.0 <= context.rand() < 1.0


def test_did_web_gives_its_host_until_relocated() -> None:
    where, context = connect("did:web:venue.example.com%3A8443")
    assert where.did == "did:web:venue.example.com%3A8443"
    assert where.base_url == "https://venue.example.com:8443"
    moved = relocated(context, "https://api.example.com/prefix")
    assert moved.endpoint.base_url == "https://api.example.com/prefix"
    assert moved.features is context.features
    assert context.endpoint.base_url == "https://venue.example.com:8443"


def test_options_reach_the_context() -> None:
    auth = BearerAuth("t0ken")
    retry = RetryPolicy(max_attempts=2)
    poll = PollPolicy(initial=1.0)
    _, context = connect(
        "https://v.example", headers={"X-Tenant": "acme"}, auth=auth, retry=retry, poll=poll
    )
    assert context.endpoint.auth is auth
    assert dict(context.endpoint.headers) == {"X-Tenant": "acme"}
    assert (context.retry, context.poll) == (retry, poll)


@pytest.mark.parametrize(
    ("address", "options"),
    [
        (42, {}),
        (b"https://v.example", {}),
        ("https://v.example", {"timeout": 0}),
        ("https://v.example", {"timeout": -1}),
        ("https://v.example", {"timeout": True}),
        ("https://v.example", {"timeout": "30"}),
        ("https://v.example", {"timeout": float("nan")}),
        ("https://v.example", {"auth": "Bearer x"}),
        ("https://v.example", {"headers": {"X-N": 1}}),
        ("https://v.example", {"headers": [("X-A", "b")]}),
        ("ftp://v.example", {}),
        ("https://user:pw@v.example", {}),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", {}),
        ("not a url", {}),
    ],
)
def test_bad_arguments_are_usage_errors(address: object, options: dict[str, object]) -> None:
    with pytest.raises(CoviaUsageError) as caught:
        connect(address, **options)
    assert isinstance(caught.value, ValueError)
    assert "pw" not in str(caught.value)
