"""The simulator's v/ops/covia/read|write and v/ops/ucan/issue answer as the real venue
did (values observed against ../shared/real-venue with --private)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.http import Request
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.tokens import issue_auth_token
from covia_proto.identity.ucan import issue_ucan, parse_ucan, verify_ucan
from covia_proto.testing.simulator import VenueSimulator

NOW = 1_781_000_000
ALICE = Ed25519Key.from_seed(b"a" * 32)
BOB = Ed25519Key.from_seed(b"b" * 32)
CAROL = Ed25519Key.from_seed(b"c" * 32)


@pytest.fixture
def sim() -> VenueSimulator:
    return VenueSimulator(clock=lambda: NOW, public=False)


def run(
    sim: VenueSimulator, who: Ed25519Key, op: str, value: Any, ucans: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"operation": op, "input": value}
    if ucans is not None:
        body["ucans"] = ucans
    token = issue_auth_token(who, now=NOW, audience=sim.venue.did)
    reply = sim.handle(
        Request(
            "POST",
            "http://venue.test/api/v1/invoke",
            (("Authorization", f"Bearer {token}"),),
            json.dumps(body).encode(),
        )
    )
    record: dict[str, Any] = json.loads(reply.body)  # type: ignore[union-attr,arg-type]
    return record


def output(record: dict[str, Any]) -> Any:
    assert record["status"] == "COMPLETE", record
    return record["output"]


def test_own_namespace_round_trip(sim: VenueSimulator):
    assert output(run(sim, ALICE, "v/ops/covia/write", {"path": "w/a/b", "value": 1})) == {
        "written": True
    }
    assert output(run(sim, ALICE, "v/ops/covia/read", {"path": "w/a"})) == {
        "value": {"b": 1},
        "exists": True,
    }
    assert output(run(sim, ALICE, "v/ops/covia/read", {"path": f"{ALICE.did}/w/a/b"}))["value"] == 1
    assert output(run(sim, ALICE, "v/ops/covia/read", {"path": "w/nothing"})) == {
        "value": None,
        "exists": False,
    }


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"value": 1}, "Path must include namespace and key, e.g. 'w/my-key'"),
        (
            {"path": f"{BOB.did}/w/x", "value": 1},
            f"Can only write to 'w' (workspace) or 'o' (operations) namespaces, got: {BOB.did}",
        ),
    ],
)
def test_write_refusals(sim: VenueSimulator, value: dict[str, Any], error: str):
    record = run(sim, ALICE, "v/ops/covia/write", value)
    assert (record["status"], record["error"]) == ("FAILED", error)


def _grant(sim: VenueSimulator, path: str = "w/notes", aud: Ed25519Key = BOB) -> str:
    att = [{"with": f"{ALICE.did}/{path}", "can": "crud/read"}]
    issued = run(sim, ALICE, "v/ops/ucan/issue", {"aud": aud.did, "att": att, "exp": NOW + 60})
    token: str = output(issued)["token"]
    return token


def test_issued_grants_are_venue_signed_ucans(sim: VenueSimulator):
    grant = _grant(sim)
    ucan = verify_ucan(grant, now=NOW, audience=BOB.did, authorities=[sim.venue.did])
    assert ucan.issuer == sim.venue.did
    assert ucan.capabilities[0].with_ == f"{ALICE.did}/w/notes"
    assert parse_ucan(grant).proofs == ()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (
            {"aud": "did:web:x", "att": [{"with": "{me}/w/", "can": "c"}], "exp": NOW + 9},
            "Cannot resolve audience public key from DID: did:web:x",
        ),
        (
            {"aud": "{bob}", "att": [{"with": "w/", "can": "c"}], "exp": NOW + 9},
            "att[0].with must be a DID URL in your namespace (e.g. {me}/w/)",
        ),
        (
            {"aud": "{bob}", "att": [], "exp": NOW + 9},
            "att (attenuations) is required and must not be empty",
        ),
        (
            {"aud": "{bob}", "att": [{"with": "{me}/w/", "can": "c"}]},
            "exp (expiry unix seconds) is required",
        ),
    ],
)
def test_issue_refusals(sim: VenueSimulator, value: dict[str, Any], error: str):
    text = json.dumps(value).replace("{me}", ALICE.did).replace("{bob}", BOB.did)
    record = run(sim, ALICE, "v/ops/ucan/issue", json.loads(text))
    assert record["status"] == "FAILED"
    assert record["error"] == error.replace("{me}", ALICE.did)


def test_a_grant_unlocks_what_it_grants_and_nothing_more(sim: VenueSimulator):
    run(sim, ALICE, "v/ops/covia/write", {"path": "w/notes", "value": "hi"})
    run(sim, ALICE, "v/ops/covia/write", {"path": "w/private", "value": "no"})
    grant = _grant(sim)
    read = "v/ops/covia/read"
    assert output(run(sim, BOB, read, {"path": f"{ALICE.did}/w/notes"}, [grant]))["value"] == "hi"
    self_signed = issue_ucan(
        ALICE, BOB.did, [(f"{ALICE.did}/w/notes", "crud/read")], expires=NOW + 60, nonce="n"
    )
    for who, path, ucans in (
        (BOB, "w/notes", None),
        (BOB, "w/private", [grant]),
        (CAROL, "w/notes", [grant]),
        (BOB, "w/notes", [self_signed]),  # only grants the venue signed count
        (BOB, "w/notes", [grant[:-4] + ("AAAA" if not grant.endswith("AAAA") else "BBBB")]),
        (BOB, "w/notes", ["not a token", 5]),
    ):
        record = run(sim, who, read, {"path": f"{ALICE.did}/{path}"}, ucans)
        assert (record["status"], record["error"]) == ("FAILED", "Access denied")
