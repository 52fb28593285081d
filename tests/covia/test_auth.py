"""``covia.auth.Ed25519Auth``: in memory against the simulator, then end to end against
a real private venue under the sync, asyncio and trio clients."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trio
from cryptography.hazmat.primitives.asymmetric import ed25519

from covia import AuthenticationError, Grid, GridError, Job, JobFailedError, Venue
from covia.async_api import AsyncGrid, AsyncVenue
from covia.auth import BearerAuth, Ed25519Auth, Ed25519Key, parse_ucan
from covia_proto.errors import CoviaUsageError, NotFoundError, TokenError
from covia_proto.flows.effects import Send
from covia_proto.identity._b64url import b64url_encode
from covia_proto.identity.jwt import decode_jwt, encode_jwt
from covia_proto.identity.tokens import issue_auth_token
from covia_proto.testing.memory import MemoryDriver
from covia_proto.testing.pytest_plugin import FakeClock
from covia_proto.testing.server import BackgroundLoop, serve_venue
from covia_proto.testing.simulator import VenueSimulator
from covia_trio import TrioGrid
from tests.covia.helpers import FAST_RETRY, RecordingDriver

SEED = b"s" * 32


# -- the identity itself ------------------------------------------------------------------


def test_made_from_a_seed_a_key_or_cryptography_key_is_the_same_identity():
    auth = Ed25519Auth.from_seed(SEED)
    assert auth.did == Ed25519Key.from_seed(SEED).did
    assert Ed25519Auth(SEED).did == auth.did
    assert Ed25519Auth(ed25519.Ed25519PrivateKey.from_private_bytes(SEED)).did == auth.did
    assert Ed25519Auth.from_pem(auth.key.to_pem()).did == auth.did
    assert Ed25519Auth.from_jwk(auth.key.to_jwk()).did == auth.did
    assert Ed25519Auth.from_multibase(auth.key.to_multibase()).did == auth.did
    assert Ed25519Auth.generate().did != Ed25519Auth.generate().did
    with pytest.raises(CoviaUsageError, match="Ed25519 private key"):
        Ed25519Auth("not a key")  # type: ignore[arg-type]


def test_save_and_load(tmp_path, monkeypatch: pytest.MonkeyPatch):
    auth = Ed25519Auth.from_seed(SEED)
    path = auth.save(tmp_path / "key", format="jwk")
    assert Ed25519Auth.load(path).did == auth.did
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    auth.save()
    assert Ed25519Auth.load().did == auth.did


def test_the_private_key_never_shows_and_is_not_pickled():
    auth = Ed25519Auth.from_seed(SEED, audience="did:key:zVenue")
    secrets = [SEED.hex(), auth.key.to_multibase(), auth.key.to_jwk()["d"], repr(SEED)]
    for text in (repr(auth), str(auth), repr([auth])):
        assert auth.did in text
        assert not any(secret in text for secret in secrets)
    with pytest.raises(CoviaUsageError, match="not pickled"):
        pickle.dumps(auth)
    with pytest.raises(CoviaUsageError, match="not pickled"):
        copy.deepcopy(auth)


def test_tokens_carry_the_claims_the_venue_expects_and_are_reused():
    auth = Ed25519Auth.from_seed(SEED, audience="did:key:zVenue")
    token = auth.token(1_000)
    jwt = decode_jwt(token)
    assert jwt.header == {"alg": "EdDSA", "typ": "JWT", "kid": auth.key.multikey}
    assert jwt.claims == {
        "iss": auth.did,
        "sub": auth.did,
        "iat": 1_000,
        "exp": 1_300,
        "aud": "did:key:zVenue",
    }
    assert auth.token(1_200) == token  # reused ...
    assert auth.token(1_250) != token  # ... until a minute before it expires
    headers: dict[str, str] = {}
    auth.apply(headers)
    assert decode_jwt(headers["Authorization"].removeprefix("Bearer ")).claims["iat"] >= int(
        time.time() - 5
    )


def test_ucan_helpers_issue_delegate_and_verify():
    alice, bob, carol = (Ed25519Auth.from_seed(bytes([i]) * 32) for i in (1, 2, 3))
    grant = alice.issue_ucan(bob.did, [{"with": f"{alice.did}/w/", "can": "crud"}])
    assert bob.verify_ucan(grant).allows(f"{alice.did}/w/notes", "crud/write")
    narrower = bob.delegate(grant, carol.did, [(f"{alice.did}/w/notes", "crud/read")])
    ucan = carol.verify_ucan(narrower)
    assert ucan.allows(f"{alice.did}/w/notes", "crud/read")
    assert not ucan.allows(f"{alice.did}/w/notes", "crud/write")
    assert parse_ucan(narrower).proofs == (grant,)
    with pytest.raises(TokenError, match="granted to"):
        bob.verify_ucan(narrower)
    with pytest.raises(CoviaUsageError, match="does not grant"):
        bob.delegate(grant, carol.did, [(f"{alice.did}/o/", "crud/read")])


# -- in memory, against a private simulator -------------------------------------------------


@pytest.fixture
def private_sim() -> Iterator[tuple[VenueSimulator, FakeClock]]:
    clock = FakeClock()
    sim = VenueSimulator(clock=clock, public=False)
    clock.on_advance(sim.advance)
    yield sim, clock
    sim.close()


def _connect(sim: VenueSimulator, clock: FakeClock, auth: Any = None) -> tuple[Venue, Any]:
    driver = RecordingDriver(MemoryDriver(sim, clock))
    return Grid.connect("http://venue.test", driver=driver, auth=auth, retry=FAST_RETRY), driver


def test_connecting_binds_tokens_to_the_venue_did_and_signs_once(private_sim):
    sim, clock = private_sim
    auth = Ed25519Auth.from_seed(SEED)
    venue, driver = _connect(sim, clock, auth)
    with venue:
        assert venue.whoami().caller == auth.did
        venue.run("v/test/ops/echo", 1)
        venue.list_jobs()
    sent = [e.request for e in driver.effects if isinstance(e, Send)]
    assert sent[0].url == "http://venue.test/.well-known/did.json"
    tokens = {r.header("authorization") for r in sent[1:]}
    assert len(tokens) == 1  # one token for the whole session
    claims = decode_jwt(tokens.pop().removeprefix("Bearer ")).claims  # type: ignore[union-attr]
    assert claims["aud"] == sim.venue.did
    assert auth.audience is None  # the caller's object is untouched


def test_a_pinned_audience_costs_no_request(private_sim):
    sim, clock = private_sim
    venue, driver = _connect(sim, clock, Ed25519Auth.from_seed(SEED, audience="did:web:pinned"))
    with venue:
        venue.whoami()
    assert not any(isinstance(e, Send) and "did.json" in e.request.url for e in driver.effects)


def test_no_identity_on_a_private_venue_says_how_to_supply_one(private_sim):
    sim, clock = private_sim
    for auth in (None, BearerAuth("opaque")):
        venue, _ = _connect(sim, clock, auth)
        with venue, pytest.raises(AuthenticationError) as info:
            venue.status()
        assert isinstance(info.value, GridError)
        assert info.value.status_code == 401
        for hint in ("authentication failed", "Ed25519Auth", "COVIA_KEY", "--key"):
            assert hint in str(info.value)


def test_jobs_belong_to_their_identity(private_sim):
    sim, clock = private_sim
    alice, _ = _connect(sim, clock, Ed25519Auth.from_seed(b"a" * 32))
    bob, _ = _connect(sim, clock, Ed25519Auth.from_seed(b"b" * 32))
    with alice, bob:
        live = alice.invoke("v/test/ops/never")
        done = alice.invoke("v/test/ops/echo", 1)
        with pytest.raises(GridError, match="Access denied to job") as info:
            bob.get_job(live.id)
        assert info.value.status_code == 403
        with pytest.raises(NotFoundError):
            bob.get_job(done.id)
        assert bob.list_jobs() == []
        assert set(alice.list_jobs()) == {live.id, done.id}
        live.cancel()


# -- end to end, against a real private venue ---------------------------------------------


def _sync(url: str, auth: Ed25519Auth | None, act: Callable[[Any], Any]) -> Any:
    with Grid.connect(url, auth=auth) as venue:
        return act(venue)


def _asyncio(url: str, auth: Ed25519Auth | None, act: Callable[[Any], Any]) -> Any:
    async def main() -> Any:
        async with AsyncGrid.connect(url, auth=auth) as venue:
            return await act(venue)

    return asyncio.run(main())


def _trio(url: str, auth: Ed25519Auth | None, act: Callable[[Any], Any]) -> Any:
    async def main() -> Any:
        async with TrioGrid.connect(url, auth=auth) as venue:
            return await act(venue)

    return trio.run(main)


CLIENTS = {"sync": _sync, "asyncio": _asyncio, "trio": _trio}


async def _awaited(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


def _call(method: str, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """``venue.<method>(*args)``, awaited when the client is async."""

    def act(venue: Venue | AsyncVenue) -> Any:
        result = getattr(venue, method)(*args, **kwargs)
        if isinstance(venue, Venue):
            return result
        return _awaited(result)

    return act


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return CLIENTS[request.param]


@pytest.fixture(params=["simulator", "real"])
def private_venue(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[str]:
    """A private venue: the simulator on loopback, and the real one when given."""
    if request.param == "real":
        yield request.getfixturevalue("private_venue_url")
        return
    with serve_venue(loop=_covia_loop, public=False) as served:
        yield served.url


def test_private_venue_whoami_is_the_key_did(private_venue: str, client):
    auth = Ed25519Auth.generate()
    identity = client(private_venue, auth, _call("whoami"))
    assert identity.caller == auth.did
    assert identity.authenticated is True
    assert identity.internal is False


class FixedToken(Ed25519Auth):
    """An identity whose requests carry a token made by hand (``Auth`` subclasses may
    write any header; the pinned audience keeps connecting from asking for one)."""

    def __init__(self, token: str) -> None:
        super().__init__(Ed25519Key.from_seed(SEED), audience="did:web:pinned")
        self.fixed = token

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer {self.fixed}"


def _bad_tokens() -> dict[str, str]:
    key, other = Ed25519Key.from_seed(b"k" * 32), Ed25519Key.from_seed(b"o" * 32)
    good = issue_auth_token(key, now=time.time(), audience="did:web:any")
    header, payload, _ = good.split(".")
    did_kid = b64url_encode(json.dumps({"alg": "EdDSA", "kid": key.did}).encode())
    return {
        "forged signature": f"{header}.{payload}.{issue_auth_token(other, now=0).split('.')[2]}",
        "subject of another key": encode_jwt(key, {"sub": other.did, "iss": other.did}),
        "expired, no subject": encode_jwt(
            key, {"iss": key.did, "aud": "did:web:any", "exp": int(time.time()) - 60}
        ),
        "kid as a did:key": f"{did_kid}.{payload}.{good.split('.')[2]}",
    }


def test_private_venue_refuses_missing_and_bad_identities_clearly(private_venue: str, client):
    cases: list[tuple[Ed25519Auth | None, str]] = [(None, "Authentication required")]
    cases += [(FixedToken(token), "Invalid or expired token") for token in _bad_tokens().values()]
    for auth, venue_says in cases:
        with pytest.raises(AuthenticationError) as info:
            client(private_venue, auth, _call("status"))
        assert info.value.status_code == 401
        assert str(info.value).startswith(
            f"GET {private_venue}/api/v1/status: 401 {venue_says}: authentication failed"
        )
        assert "Ed25519Auth" in str(info.value)
        assert "COVIA_KEY" in str(info.value)


def test_private_venue_takes_an_expired_self_issued_token(private_venue: str):
    """A 0.1 venue quirk the SDK works around by renewing tokens: with ``sub`` set, an
    expired token still authenticates (venue-api.md §2A)."""
    key = Ed25519Key.from_seed(b"e" * 32)
    stale = issue_auth_token(key, now=time.time() - 3600, audience="did:web:any", lifetime=120)
    assert _sync(private_venue, FixedToken(stale), _call("whoami")).caller == key.did


def test_private_venue_isolates_identities(private_venue: str):
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    with (
        Grid.connect(private_venue, auth=alice) as a,
        Grid.connect(private_venue, auth=bob) as b,
    ):
        live = a.invoke("v/test/ops/never")
        done = a.invoke("v/test/ops/echo", {"x": 1})
        # Alice's job as Bob's connection would handle it, had he learnt its id.
        seen_by_bob = Job(b._session, live._record)
        for act in (
            lambda: b.get_job(live.id),
            seen_by_bob.cancel,
            seen_by_bob.pause,
            lambda: seen_by_bob.send_message({"content": "hi"}),
            lambda: b.delete_job(live.id),
        ):
            with pytest.raises(GridError, match=f"Access denied to job: {live.id}") as info:
                act()
            assert info.value.status_code == 403
        with pytest.raises(NotFoundError):
            b.get_job(done.id)
        assert live.id not in b.list_jobs()
        assert {live.id, done.id} <= set(a.list_jobs())
        a.get_job(live.id).cancel()


def test_private_venue_delegated_ucan_unlocks_what_it_grants_and_nothing_more(
    private_venue: str, client
):
    alice, bob, carol = Ed25519Auth.generate(), Ed25519Auth.generate(), Ed25519Auth.generate()
    with Grid.connect(private_venue, auth=alice) as a:
        a.run("v/ops/covia/write", {"path": "w/notes", "value": {"n": 1}})
        a.run("v/ops/covia/write", {"path": "w/private", "value": {"n": 2}})
        issued = a.run(
            "v/ops/ucan/issue",
            {
                "aud": bob.did,
                "att": [{"with": f"{alice.did}/w/notes", "can": "crud/read"}],
                "exp": int(time.time()) + 600,
            },
        )
        venue_did = a.did
    grant = issued["token"]
    ucan = bob.verify_ucan(grant, authorities=[venue_did])
    assert (ucan.issuer, ucan.audience) == (venue_did, bob.did)

    def read(path: str, ucans: list[str] | None) -> Callable[[Any], Any]:
        return _call("run", "v/ops/covia/read", {"path": f"{alice.did}/{path}"}, ucans=ucans)

    assert client(private_venue, bob, read("w/notes", [grant])) == {
        "exists": True,
        "value": {"n": 1},
    }
    refused: list[tuple[Ed25519Auth, str, list[str] | None]] = [
        (bob, "w/notes", None),  # no proof
        (bob, "w/private", [grant]),  # outside the grant
        (carol, "w/notes", [grant]),  # someone else's token
        (carol, "w/notes", [bob.delegate(grant, carol.did, authorities=[venue_did])]),
        (bob, "w/notes", [grant[:-4] + ("AAAA" if not grant.endswith("AAAA") else "BBBB")]),
    ]
    for who, path, ucans in refused:
        with pytest.raises(JobFailedError, match="Access denied"):
            client(private_venue, who, read(path, ucans))


@pytest.fixture(params=["simulator", "real"])
def public_venue(request: pytest.FixtureRequest, _covia_loop: BackgroundLoop) -> Iterator[str]:
    """A public venue: the simulator on loopback, and the real one when given."""
    if request.param == "real":
        yield request.getfixturevalue("external_venue_url")
        return
    with serve_venue(loop=_covia_loop) as served:
        yield served.url


def test_public_venue_signed_callers_are_themselves_and_bad_tokens_anonymous(
    public_venue: str, client
):
    auth = Ed25519Auth.generate()
    assert client(public_venue, auth, _call("whoami")).caller == auth.did
    anonymous = client(public_venue, None, _call("whoami")).caller
    assert anonymous.endswith(":public")
    # A public venue does not refuse a bad token: it silently treats its bearer as
    # anonymous, which only whoami reveals.
    forged = FixedToken(_bad_tokens()["forged signature"])
    assert client(public_venue, forged, _call("whoami")).caller == anonymous


def test_public_venue_jobs_of_an_identity_are_hidden_from_anonymous_callers(public_venue: str):
    with (
        Grid.connect(public_venue, auth=Ed25519Auth.generate()) as signed,
        Grid.connect(public_venue) as anonymous,
    ):
        job = signed.invoke("v/test/ops/never")
        try:
            with pytest.raises(GridError, match="Access denied to job"):
                anonymous.get_job(job.id)
            assert job.id not in anonymous.list_jobs()
        finally:
            job.cancel()


def test_private_venue_grants_match_resources_by_bare_prefix(private_venue: str):
    """A 0.1 venue quirk, pinned so the simulator keeps to it and a fix is noticed: a
    grant on ``w/notes`` also reads ``w/notes-x`` (Convex ``Capability.covers`` compares
    bare prefixes). ``verify_ucan`` in the SDK matches at ``/`` boundaries instead."""
    alice, bob = Ed25519Auth.generate(), Ed25519Auth.generate()
    with Grid.connect(private_venue, auth=alice) as a:
        a.run("v/ops/covia/write", {"path": "w/notes-x", "value": "beyond"})
        att = [{"with": f"{alice.did}/w/notes", "can": "crud/read"}]
        grant = a.run("v/ops/ucan/issue", {"aud": bob.did, "att": att, "exp": 4_000_000_000})
    with Grid.connect(private_venue, auth=bob) as b:
        read = b.run("v/ops/covia/read", {"path": f"{alice.did}/w/notes-x"}, ucans=[grant["token"]])
    assert read["value"] == "beyond"
    assert not parse_ucan(grant["token"]).allows(f"{alice.did}/w/notes-x", "crud/read")
