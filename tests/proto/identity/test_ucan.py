from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity._b64url import b64url_decode, b64url_encode
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.ucan import (
    Capability,
    ability_covers,
    delegate_ucan,
    issue_ucan,
    parse_ucan,
    resource_covers,
    verify_ucan,
)

ALICE = Ed25519Key.from_seed(b"a" * 32)
BOB = Ed25519Key.from_seed(b"b" * 32)
CAROL = Ed25519Key.from_seed(b"c" * 32)
VENUE = Ed25519Key.from_seed(b"v" * 32)
NOW = 1_800_000_000

segments = st.text(alphabet="abcxyz-", min_size=1, max_size=4)
paths = st.lists(segments, min_size=0, max_size=3).map(lambda parts: "/".join(["w", *parts]))
abilities = st.sampled_from(["*", "crud", "crud/read", "crud/write", "crud/delete", "invoke"])


def grant(path: str, can: str = "crud/read", owner: Ed25519Key = ALICE) -> dict[str, str]:
    return {"with": f"{owner.did}/{path}", "can": can}


def root(capabilities: list[dict[str, str]], *, exp: int = NOW + 600, **kw: object) -> str:
    return issue_ucan(ALICE, BOB.did, capabilities, expires=exp, nonce="n1", **kw)  # type: ignore[arg-type]


def test_round_trip_of_a_root_grant() -> None:
    token = root([grant("w/notes")], not_before=NOW - 10)
    ucan = verify_ucan(token, now=NOW, audience=BOB.did)
    assert (ucan.issuer, ucan.audience) == (ALICE.did, BOB.did)
    assert ucan.capabilities == (Capability(f"{ALICE.did}/w/notes", "crud/read"),)
    assert (ucan.expires, ucan.not_before, ucan.nonce, ucan.proofs) == (
        NOW + 600,
        NOW - 10,
        "n1",
        (),
    )
    assert ucan.allows(f"{ALICE.did}/w/notes/today", "crud/read")
    assert not ucan.allows(f"{ALICE.did}/w/notes", "crud/write")
    assert token not in repr(ucan)
    assert parse_ucan(token) == ucan


def test_claims_are_those_the_venue_writes() -> None:
    claims = json.loads(b64url_decode(root([grant("w/")]).split(".")[1]))
    assert set(claims) == {"iss", "aud", "exp", "nnc", "att", "prf"}
    assert claims["att"] == [grant("w/")]


@given(paths, abilities, paths, abilities)
def test_delegation_only_narrows(
    held_path: str, held_can: str, wanted_path: str, wanted_can: str
) -> None:
    proof = root([grant(held_path, held_can)])
    wanted = [grant(wanted_path, wanted_can)]
    narrower = resource_covers(f"{ALICE.did}/{held_path}", f"{ALICE.did}/{wanted_path}") and (
        ability_covers(held_can, wanted_can)
    )
    if narrower:
        token = delegate_ucan(BOB, proof, CAROL.did, wanted, now=NOW, nonce="n2")
        ucan = verify_ucan(token, now=NOW, audience=CAROL.did)
        assert ucan.proofs == (proof,)
        assert ucan.expires == NOW + 600
    else:
        with pytest.raises(CoviaUsageError, match="does not grant"):
            delegate_ucan(BOB, proof, CAROL.did, wanted, now=NOW, nonce="n2")
        # Signed anyway, by hand: verification refuses the widening link.
        forged = issue_ucan(BOB, CAROL.did, wanted, expires=NOW + 600, nonce="n3", proofs=[proof])
        with pytest.raises(TokenError, match="widens"):
            verify_ucan(forged, now=NOW)


@given(st.integers(min_value=0, max_value=10**6))
def test_expired_links_are_refused(late: int) -> None:
    proof = root([grant("w/")], exp=NOW + 100)
    child = delegate_ucan(BOB, proof, CAROL.did, now=NOW, nonce="n2")
    with pytest.raises(TokenError, match="expired"):
        verify_ucan(child, now=NOW + 100 + late)
    with pytest.raises(TokenError, match="expired"):
        delegate_ucan(BOB, proof, CAROL.did, now=NOW + 100 + late, nonce="n2")


def test_not_yet_valid_and_outliving_links_are_refused() -> None:
    early = root([grant("w/")], not_before=NOW + 50)
    with pytest.raises(TokenError, match="not valid before"):
        verify_ucan(early, now=NOW)
    proof = root([grant("w/")], exp=NOW + 100)
    with pytest.raises(CoviaUsageError, match="outlive"):
        delegate_ucan(BOB, proof, CAROL.did, now=NOW, nonce="n", expires=NOW + 101)
    longer = issue_ucan(BOB, CAROL.did, [grant("w/")], expires=NOW + 101, nonce="n", proofs=[proof])
    with pytest.raises(TokenError, match="outlives"):
        verify_ucan(longer, now=NOW)


@given(st.integers(min_value=0), st.data())
def test_a_tampered_link_is_refused(which: int, data: st.DataObject) -> None:
    proof = root([grant("w/notes")])
    child = delegate_ucan(BOB, proof, CAROL.did, now=NOW, nonce="n2")
    header, payload, signature = (proof if which % 2 else child).split(".")
    claims = json.loads(b64url_decode(payload))
    claims[data.draw(st.sampled_from(["aud", "att", "exp", "nnc"]))] = data.draw(
        st.sampled_from([CAROL.did, [grant("w/")], NOW + 9999, "other"])
    )
    tampered = f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
    token = (
        tampered
        if not which % 2
        else issue_ucan(
            BOB, CAROL.did, [grant("w/notes")], expires=NOW + 600, nonce="x", proofs=[tampered]
        )
    )
    with pytest.raises(TokenError):
        verify_ucan(token, now=NOW)


def test_a_chain_must_be_continuous() -> None:
    proof = root([grant("w/")])  # granted to Bob
    stolen = issue_ucan(
        CAROL, ALICE.did, [grant("w/")], expires=NOW + 60, nonce="n", proofs=[proof]
    )
    with pytest.raises(TokenError, match="broken chain"):
        verify_ucan(stolen, now=NOW)
    with pytest.raises(CoviaUsageError, match="granted to"):
        delegate_ucan(CAROL, proof, ALICE.did, now=NOW, nonce="n")


def test_roots_grant_only_their_own_resources_unless_an_authority() -> None:
    venue_grant = issue_ucan(VENUE, BOB.did, [grant("w/")], expires=NOW + 60, nonce="n")
    with pytest.raises(TokenError, match="not its own"):
        verify_ucan(venue_grant, now=NOW)
    assert verify_ucan(venue_grant, now=NOW, authorities=[VENUE.did]).issuer == VENUE.did
    with pytest.raises(TokenError, match="granted to"):
        verify_ucan(venue_grant, now=NOW, audience=CAROL.did, authorities=[VENUE.did])


def test_resource_and_ability_matching() -> None:
    assert resource_covers("did:x/w/", "did:x/w")
    assert resource_covers("did:x/w", "did:x/w/a")
    assert not resource_covers("did:x/w/notes", "did:x/w/notes-secret")
    assert not resource_covers("did:x/w/a", "did:x/w")
    assert ability_covers("*", "anything")
    assert ability_covers("crud", "crud/read")
    assert not ability_covers("crud/read", "crud")
    assert not ability_covers("crud", "crudx")


@pytest.mark.parametrize(
    "capabilities", [[], "w/", [{"with": "x"}], [{"with": "", "can": "x"}], [("a",)]]
)
def test_bad_capabilities_are_usage_errors(capabilities: object) -> None:
    with pytest.raises(CoviaUsageError):
        issue_ucan(ALICE, BOB.did, capabilities, expires=NOW, nonce="n")  # type: ignore[arg-type]


def test_bad_audiences_and_nonces_are_usage_errors() -> None:
    with pytest.raises(CoviaUsageError, match="audience"):
        issue_ucan(ALICE, "bob", [grant("w/")], expires=NOW, nonce="n")
    with pytest.raises(CoviaUsageError, match="nonce"):
        issue_ucan(ALICE, BOB.did, [grant("w/")], expires=NOW, nonce="")


@given(st.text(max_size=200))
def test_fuzz_only_token_errors(text: str) -> None:
    with contextlib.suppress(TokenError):
        verify_ucan(text, now=NOW)


def test_malformed_claims_are_token_errors() -> None:
    from covia_proto.identity.jwt import encode_jwt

    for claims in (
        {"iss": ALICE.did},
        {"iss": ALICE.did, "aud": BOB.did, "exp": "soon", "att": []},
        {"iss": ALICE.did, "aud": BOB.did, "exp": 1, "att": {}},
        {"iss": ALICE.did, "aud": BOB.did, "exp": 1, "att": [], "prf": [{"cad3": 1}]},
        {"iss": ALICE.did, "aud": BOB.did, "exp": 1, "att": [{"with": 1}]},
    ):
        with pytest.raises(TokenError):
            parse_ucan(encode_jwt(ALICE, claims))
    # Signed by Alice but claiming to be from Bob.
    lying = encode_jwt(ALICE, {"iss": BOB.did, "aud": CAROL.did, "exp": NOW + 9, "att": []})
    with pytest.raises(TokenError, match="issuer"):
        verify_ucan(lying, now=NOW)
