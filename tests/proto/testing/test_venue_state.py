"""The venue state: seeding, operation references, starting jobs, the runtime."""

from __future__ import annotations

import hashlib
import io

import pytest

from covia_proto.http import Request
from covia_proto.testing.venue_state import Call, Venue
from tests.proto.testing.simhelp import FakeClock

DID = "did:key:z6MkVenue"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def venue(clock: FakeClock) -> Venue:
    return Venue(
        clock=clock,
        profile="0.1",
        seed=0,
        name="V",
        did=DID,
        wait_cap=120.0,
        max_content_size=1000,
        storage_dir=None,
    )


def test_seeded_catalog_and_extras(venue: Venue) -> None:
    # The real venue's catalogue, in its listing order (captured, see catalog.py).
    assert len(venue.catalog) == 116
    assert list(venue.catalog)[:2] == ["v/ops/jvm/string-concat", "v/ops/jvm/url-encode"]
    assert "v/ops/secret/set" in venue.catalog
    assert len(venue.assets) == 126
    assert set(venue.real_ids) == {asset.id for asset in venue.assets}
    texts = [asset.text for asset in venue.assets]
    assert "{}" in texts
    iris = next(a for a in venue.assets if a.metadata.get("name") == "Iris Dataset")
    assert venue.content.has(iris.metadata["content"]["sha256"].lower())
    assert len(venue.catalog_entries()) == len(venue.catalog)


def test_installed_assets_have_the_real_venues_ids(venue: Venue) -> None:
    # Ids are computed as the venue computes them (CAD3), so they are the real ones.
    assert venue.real_ids == {asset.id: asset.id for asset in venue.assets}


def test_resolve_operation_forms(venue: Venue) -> None:
    echo = venue.catalog["v/test/ops/echo"]
    for ref in (
        "v/test/ops/echo",
        echo,
        "0x" + echo.upper(),
        "/a/" + echo,
        f"{DID}/a/{echo}",
        f"{DID}/v/test/ops/echo",
        # Content-addressed: the real venue runs its local copy whatever DID is named.
        f"did:key:z6MkOther/a/{echo}",
        f"did:web:venue.example/a/{echo}",
    ):
        resolved = venue.resolve_operation(ref)
        assert resolved is not None, ref
        assert resolved[0] == echo
        assert resolved[1]["operation"]["adapter"] == "test:echo"
    for ref in ("a/" + echo, "did:key:z6MkOther/v/test/ops/echo", "o/mine", "test:echo", "ab"):
        assert venue.resolve_operation(ref) is None, ref


def test_start_job_records_the_user_and_hides_secrets(venue: Venue) -> None:
    ident = venue.add_asset({"operation": {"adapter": "test:echo", "secretFields": ["pw"]}})
    resolved = venue.resolve_operation(ident)
    assert resolved is not None
    job = venue.start_job("did:c", ident, resolved[1], {"pw": "x", "n": 1}, private=False)
    assert job.status == "COMPLETE"
    assert job.input == {"pw": "HIDDEN", "n": 1}
    assert job.output == {"pw": "x", "n": 1}
    assert venue.users == {"did:c"}


def test_unknown_op_of_an_installed_adapter_fails_the_job(venue: Venue) -> None:
    ident = venue.add_asset({"operation": {"adapter": "test:nothing"}})
    resolved = venue.resolve_operation(ident)
    assert resolved is not None
    job = venue.start_job("did:c", ident, resolved[1], None, private=False)
    assert (job.status, job.error) == ("FAILED", "Unknown operation: test:nothing")


def test_now_ms_rounds(venue: Venue, clock: FakeClock) -> None:
    clock.now = 1.0 + 0.1 + 0.2  # 1.3000000000000003
    assert venue.now_ms() == 1300
    clock.now = 2.0004
    assert venue.now_ms() == 2000


def test_timers_run_on_advance(venue: Venue, clock: FakeClock) -> None:
    ran: list[float] = []
    venue.schedule(clock.now + 1, lambda: ran.append(clock.now))
    venue.advance()
    assert ran == []
    clock.tick(1)
    venue.advance()
    assert ran == [clock.now]


def test_changes_reach_listeners(venue: Venue) -> None:
    heard: list[int] = []
    venue.listeners.append(lambda: heard.append(1))
    venue.store_secret("did:c", "k", "v")
    venue.add_asset({"name": "n"})
    assert len(heard) == 2
    assert venue.secrets == {"did:c": {"k": "v"}}


def test_add_asset_fills_in_the_hash(venue: Venue) -> None:
    ident = venue.add_asset({"content": {"contentType": "a/b"}}, b"data")
    asset = venue.assets.get(ident)
    assert asset is not None
    assert asset.metadata["content"] == {
        "contentType": "a/b",
        "sha256": hashlib.sha256(b"data").hexdigest(),
    }


def _call(*headers: tuple[str, str], body: bytes = b"") -> Call:
    request = Request("POST", "http://v/api/v1/invoke", headers=headers)
    return Call(request, "POST", "/api/v1/invoke", {"a": ["1"]}, io.BytesIO(body))


def test_call_helpers() -> None:
    call = _call(("Content-Length", "10000001"), body=b'{"x": [1]}')
    refusal = call.too_large()
    assert refusal is not None
    assert refusal.status == 413
    assert _call(("Content-Length", "10000000")).too_large() is None
    assert call.json() == {"x": [1]}
    assert (call.param("a"), call.param("b")) == ("1", None)
