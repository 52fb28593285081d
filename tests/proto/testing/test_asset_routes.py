"""Status, discovery, DID documents, assets and operations, route by route against
venue-api.md §3.1–3.3 and §3.8–3.9 (profile 0.1 unless noted)."""

from __future__ import annotations

import hashlib
import io
import re
import tracemalloc
from typing import IO, cast

import pytest

from covia_proto.http import Request, Response
from covia_proto.testing import Streamed, VenueSimulator
from tests.proto.testing.simhelp import (
    BASE,
    FakeClock,
    ctype,
    drain,
    js,
    make,
    request,
    send,
)

JSON = "application/json;charset=utf-8"
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def sim() -> VenueSimulator:
    return make()[0]


@pytest.fixture
def new() -> tuple[VenueSimulator, FakeClock]:
    return make(profile="latest")


def test_status_fields(sim: VenueSimulator) -> None:
    response = send(sim, "GET", "/api/v1/status")
    assert response.status == 200
    assert ctype(response) == JSON
    assert response.header("access-control-allow-origin") == "*"
    body = js(response)
    assert body["status"] == "OK"
    assert body["ts"] == 1_781_000_000_000
    assert body["did"].startswith("did:key:z6Mk")
    assert body["name"] == "Covia Test Venue"
    assert body["url"] == BASE
    assert body["stats"] == {"assets": 126, "users": 0, "ops": 116}  # as the real venue
    assert "version" not in body
    assert b", " not in response.body
    assert b": " not in response.body


def test_status_without_name_omits_it() -> None:
    sim, _ = make(name=None)
    assert "name" not in js(send(sim, "GET", "/api/v1/status"))


def test_status_url_follows_forwarded_headers(sim: VenueSimulator) -> None:
    headers = (
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "v.example.com"),
        ("X-Forwarded-Port", "8443"),
    )
    body = js(send(sim, "GET", "/api/v1/status", headers=headers))
    assert body["url"] == "https://v.example.com:8443"


def test_register_and_read_back_exact_text(sim: VenueSimulator) -> None:
    text = '{ "name" : "Thing",\n  "n": 1 }'
    created = send(sim, "POST", "/api/v1/assets", raw=text.encode())
    assert created.status == 201
    ident = js(created)
    assert HEX64.fullmatch(ident)
    assert created.header("Location") == f"/api/v1/assets/{ident}"
    read = send(sim, "GET", f"/api/v1/assets/0X{ident.upper()}")
    assert (read.status, read.body, ctype(read)) == (200, text.encode(), "text/plain")
    assert read.header("ETag") is None
    # Same metadata formatted differently: same id, latest text stored.
    again = send(sim, "POST", "/api/v1/assets", raw=b'{"n":1,"name":"Thing"}')
    assert js(again) == ident
    assert send(sim, "GET", f"/api/v1/assets/{ident}").body == b'{"n":1,"name":"Thing"}'
    assert js(send(sim, "POST", "/api/v1/assets", {"n": 1.0, "name": "Thing"})) != ident


def test_register_errors(sim: VenueSimulator) -> None:
    bad = send(sim, "POST", "/api/v1/assets", raw=b"{nope")
    assert bad.status == 400
    assert js(bad)["error"].startswith("Unable to parse asset metadata: ")
    array = send(sim, "POST", "/api/v1/assets", raw=b"[1]")
    assert array.status == 500
    assert array.body.startswith(b"Unexpected error: ")
    assert ctype(array) == "text/plain"
    assert array.body == (
        b"Unexpected error: java.lang.IllegalArgumentException: Metadata is not a valid JSON object"
    )


def test_null_registers_as_the_empty_asset_and_is_served_as_sent(sim: VenueSimulator) -> None:
    empty = next(a.id for a in sim.assets if a.text == "{}")
    made = send(sim, "POST", "/api/v1/assets", raw=b"null")
    assert (made.status, js(made)) == (201, empty)
    read = send(sim, "GET", f"/api/v1/assets/{empty}")
    assert (read.status, read.body) == (200, b"null")  # what a client must tolerate


def test_get_asset_errors(sim: VenueSimulator) -> None:
    invalid = send(sim, "GET", "/api/v1/assets/xyz")
    assert (invalid.status, js(invalid)) == (400, {"error": "Invalid asset ID: xyz"})
    missing = send(sim, "GET", "/api/v1/assets/" + "ab" * 32)
    assert (missing.status, js(missing)) == (404, {"error": "Asset not found: " + "ab" * 32})


def test_asset_list_envelope_and_paging(sim: VenueSimulator) -> None:
    ids = sorted(a.id for a in sim.assets)
    full = js(send(sim, "GET", "/api/v1/assets"))
    assert full == {"total": len(ids), "offset": 0, "limit": len(ids), "items": ids}
    assert js(send(sim, "GET", "/api/v1/assets?offset=2&limit=3"))["items"] == ids[2:5]
    tail = js(send(sim, "GET", f"/api/v1/assets?offset={len(ids) - 1}&limit=50"))
    assert (tail["limit"], tail["items"]) == (50, ids[-1:])
    assert js(send(sim, "GET", "/api/v1/assets?offset=-4"))["offset"] == 0
    for query, message in [
        ("limit=x", "Invalid offset or limit"),
        ("offset=1.5", "Invalid offset or limit"),
        ("limit=-1", "Negative limit"),
        ("limit=1001", "Too many assets requested: 1001"),
    ]:
        response = send(sim, "GET", "/api/v1/assets?" + query)
        assert (response.status, js(response)) == (400, {"error": message})
    # The 0.1 venue ignores the kind filter.
    assert js(send(sim, "GET", "/api/v1/assets?kind=data"))["total"] == len(ids)


def test_seeded_assets(sim: VenueSimulator) -> None:
    texts = {a.text for a in sim.assets}
    assert "{}" in texts
    iris = next(a for a in sim.assets if a.metadata.get("name") == "Iris Dataset")
    download = request(sim, "GET", f"/api/v1/assets/{iris.id}/content")
    assert isinstance(download, Streamed)
    assert download.head.header("Content-Type") == "text/csv"
    assert download.head.header("filename") is None  # its metadata names no file
    data = drain(download.body)
    assert data.startswith(b'"sepal.length","sepal.width"')
    assert hashlib.sha256(data).hexdigest() == iris.metadata["content"]["sha256"].lower()


def _data_asset(sim: VenueSimulator, data: bytes, **content: str) -> str:
    meta = {"name": "blob", "content": {"sha256": hashlib.sha256(data).hexdigest(), **content}}
    return str(js(send(sim, "POST", "/api/v1/assets", meta)))


def test_upload_and_download_content(sim: VenueSimulator) -> None:
    data = b"hello content"
    sha = hashlib.sha256(data).hexdigest()
    ident = str(
        js(send(sim, "POST", "/api/v1/assets", {"content": {"sha256": "0x" + sha.upper()}}))
    )
    before = send(sim, "GET", f"/api/v1/assets/{ident}/content")
    assert (before.status, js(before)) == (
        404,
        {"error": f"Asset did not have any content available: {ident}"},
    )
    uploaded = send(sim, "PUT", f"/api/v1/assets/{ident}/content", raw=data)
    assert (uploaded.status, js(uploaded)) == (200, "0x" + sha)
    assert send(sim, "PUT", f"/api/v1/assets/{ident}/content", raw=data).status == 200
    download = request(sim, "GET", f"/api/v1/assets/{ident}/content?inline")
    assert isinstance(download, Streamed)
    assert download.head.header("Content-Type") == "text/plain"
    assert download.head.header("filename") is None
    assert download.head.header("Content-Disposition") == "inline"
    assert drain(download.body) == data


def test_content_is_shared_by_hash(sim: VenueSimulator) -> None:
    data = b"shared"
    first = _data_asset(sim, data, contentType="a/b")
    second = _data_asset(sim, data, contentType="c/d")
    send(sim, "PUT", f"/api/v1/assets/{first}/content", raw=data)
    download = request(sim, "GET", f"/api/v1/assets/{second}/content")
    assert isinstance(download, Streamed)
    assert download.head.header("Content-Type") == "c/d"
    assert drain(download.body) == data


def test_upload_errors(sim: VenueSimulator) -> None:
    ident = _data_asset(sim, b"right")
    mismatch = send(sim, "PUT", f"/api/v1/assets/{ident}/content", raw=b"wrong")
    assert mismatch.status == 400
    assert js(mismatch)["error"] == (
        "Cannot PUT asset content: Content hash mismatch. Expected: "
        f"{hashlib.sha256(b'right').hexdigest()}, Actual: {hashlib.sha256(b'wrong').hexdigest()}"
    )
    no_hash = str(js(send(sim, "POST", "/api/v1/assets", {"content": {"sha256": "zz"}})))
    response = send(sim, "PUT", f"/api/v1/assets/{no_hash}/content", raw=b"x")
    assert js(response)["error"] == (
        "Cannot PUT asset content: Metadata does not have valid content hash"
    )
    no_content = str(js(send(sim, "POST", "/api/v1/assets", {"name": "x"})))
    for method in ("PUT", "GET"):
        response = send(sim, method, f"/api/v1/assets/{no_content}/content", raw=b"x")
        assert (response.status, js(response)["error"]) == (
            404,
            f"Asset metadata does not specify any content object: {no_content}",
        )
        missing = send(sim, method, "/api/v1/assets/" + "cd" * 32 + "/content", raw=b"x")
        assert js(missing)["error"] == "Asset not found: " + "cd" * 32


def test_upload_over_the_size_limit() -> None:
    sim, _ = make(max_content_size=10)
    ident = _data_asset(sim, b"x" * 11)
    response = send(sim, "PUT", f"/api/v1/assets/{ident}/content", raw=b"x" * 11)
    assert (response.status, js(response)["error"]) == (
        400,
        "Cannot PUT asset content: Content exceeds maximum size of 10 bytes",
    )


class RecordingReader(io.RawIOBase):
    """A file object of ``size`` generated bytes that records each read size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pos = 0
        self.reads: list[int] = []

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        self.reads.append(n)
        start = self.pos
        self.pos += n
        return (
            bytes((start + i) % 251 for i in range(n))
            if n < 4096
            else (bytes(range(251)) * (n // 251 + 2))[start % 251 : start % 251 + n]
        )


def test_twenty_megabyte_upload_is_read_in_chunks(tmp_path: object) -> None:
    size = 20 * 1024 * 1024
    whole = RecordingReader(size)
    digest = hashlib.sha256()
    while chunk := whole.read(1 << 20):
        digest.update(chunk)
    sim, _ = make(storage_dir=str(tmp_path))
    ident = _data_asset_sha(sim, digest.hexdigest())
    reader = RecordingReader(size)
    tracemalloc.start()
    try:
        reply = sim.handle(
            Request("PUT", f"{BASE}/api/v1/assets/{ident}/content"), body=cast(IO[bytes], reader)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # a few chunks at a time, never the 20 MB
    assert isinstance(reply, Response)
    assert js(reply) == "0x" + digest.hexdigest()
    assert len(reader.reads) > 100
    assert max(reader.reads) <= 1 << 16  # never asked for the whole body at once
    download = request(sim, "GET", f"/api/v1/assets/{ident}/content")
    assert isinstance(download, Streamed)
    assert download.head.header("Content-Length") == str(size)
    check = hashlib.sha256()
    biggest = 0
    while True:
        piece = download.body.next_chunk()
        assert isinstance(piece, bytes)
        if not piece:
            break
        biggest = max(biggest, len(piece))
        check.update(piece)
    assert check.hexdigest() == digest.hexdigest()
    assert biggest <= 1 << 16
    sim.close()


def _data_asset_sha(sim: VenueSimulator, sha: str) -> str:
    return str(js(send(sim, "POST", "/api/v1/assets", {"content": {"sha256": sha}})))


def test_operations_list(sim: VenueSimulator) -> None:
    entries = js(send(sim, "GET", "/api/v1/operations"))
    names = [entry["name"] for entry in entries]
    assert len(names) == 116
    assert {f"v/test/ops/{n}" for n in ("echo", "error", "never", "pause", "chat")} <= set(names)
    echo = next(entry for entry in entries if entry["name"] == "v/test/ops/echo")
    assert set(echo) == {"name", "asset", "description", "input", "output"}
    assert (echo["input"], echo["output"]) == ({}, {})  # the real echo's schemas
    assert HEX64.fullmatch(echo["asset"])
    # Agent templates: operation a string (or absent), so no schemas are listed.
    template = next(e for e in entries if e["name"] == "v/agents/templates/goaltree")
    assert set(template) == {"name", "asset", "description"}


def test_get_operation_by_encoded_name_hex_and_did(sim: VenueSimulator) -> None:
    listing = js(send(sim, "GET", "/api/v1/operations"))
    echo = next(entry for entry in listing if entry["name"] == "v/test/ops/echo")
    by_name = send(sim, "GET", "/api/v1/operations/v%2Ftest%2Fops%2Fecho")
    assert js(by_name) == echo
    for ref in (
        echo["asset"],
        "0x" + echo["asset"].upper(),
        "%2Fa%2F" + echo["asset"],
        sim.did.replace(":", "%3A") + "%2Fa%2F" + echo["asset"],
    ):
        response = send(sim, "GET", f"/api/v1/operations/{ref}")
        assert response.status == 200
        assert js(response)["asset"] == echo["asset"]
    # Unencoded slashes are more path segments: no route.
    raw = send(sim, "GET", "/api/v1/operations/v/test/ops/echo")
    assert js(raw)["error"].startswith("Endpoint GET")
    data = next(a.id for a in sim.assets if a.text == "{}")
    for name in (data, "v%2Fnope", "test:echo"):
        response = send(sim, "GET", f"/api/v1/operations/{name}")
        assert response.status == 404
        assert js(response)["error"].startswith("Operation not found: ")


def test_did_document(sim: VenueSimulator) -> None:
    response = send(
        sim,
        "GET",
        "/.well-known/did.json",
        headers=(
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "v.example"),
            ("X-Forwarded-Prefix", "/edge"),
        ),
    )
    doc = js(response)
    assert ctype(response) == JSON
    key = sim.did.removeprefix("did:key:")
    assert doc["id"] == sim.did
    assert doc["verificationMethod"][0]["id"] == f"{sim.did}#{key}"
    assert doc["service"] == [
        {"type": "Covia.API.v1", "serviceEndpoint": "https://v.example/api/v1/edge"}
    ]


def test_configured_did_is_used() -> None:
    sim, _ = make(did="did:web:venue.example.com")
    assert js(send(sim, "GET", "/api/v1/status"))["did"] == "did:web:venue.example.com"
    assert js(send(sim, "GET", "/.well-known/did.json"))["id"] == "did:web:venue.example.com"


def test_asset_and_user_did_documents(sim: VenueSimulator) -> None:
    asset = js(send(sim, "GET", "/a/anything/did.json"))
    assert asset == {"@context": "https://www.w3.org/ns/did/v1", "id": f"{sim.did}/a/anything"}
    user = send(sim, "GET", "/u/alice/did.json")
    assert (user.status, js(user)) == (404, {"error": "User not found: alice"})


def test_token_users_of_the_venue_have_did_documents(sim: VenueSimulator) -> None:
    sim.tokens["t"] = f"{sim.did}:u:alice_example_com"
    sim.tokens["k"] = "did:key:z6MkSomeoneElse"
    doc = js(send(sim, "GET", "/u/alice_example_com/did.json"))
    key = sim.did.removeprefix("did:key:")
    assert doc["id"] == f"{sim.did}:u:alice_example_com"
    assert doc["controller"] == sim.did
    assert doc["verificationMethod"] == [
        {
            "id": f"{sim.did}:u:alice_example_com#venue-key",
            "type": "Multikey",
            "controller": sim.did,
            "publicKeyMultibase": key,
        }
    ]
    assert (
        doc["authentication"]
        == doc["assertionMethod"]
        == [f"{sim.did}:u:alice_example_com#venue-key"]
    )
    assert js(send(sim, "GET", "/api/v1/status"))["stats"]["users"] == 1


def test_mcp_discovery_and_agent_card(sim: VenueSimulator) -> None:
    mcp = js(send(sim, "GET", "/.well-known/mcp", headers=(("X-Forwarded-Port", "9999"),)))
    assert mcp == {
        "mcp_version": "1.0",
        "server_url": BASE + "/mcp",
        "description": "Covia Test Venue",
        "endpoint": {"path": "/mcp", "transport": "streamable-http"},
    }
    card_response = send(sim, "GET", "/.well-known/agent-card.json")
    assert ctype(card_response) == "application/a2a+json; charset=utf-8"
    card = js(card_response)
    assert card["supportedInterfaces"][0]["url"] == BASE + "/a2a"
    assert card["skills"] == []
    assert card["capabilities"] == {
        "streaming": True,
        "pushNotifications": False,
        "extendedAgentCard": False,
    }
    assert card["provider"] == {"organization": "Covia Test Venue", "url": "https://covia.ai"}


def test_latest_status_and_etag(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    status = js(send(sim, "GET", "/api/v1/status"))
    assert status["version"]
    assert "jobs" in status["stats"]
    ident = sim.add_asset({"name": "e"})
    assert send(sim, "GET", f"/api/v1/assets/{ident}").header("ETag") == f'"{ident}"'


def test_latest_asset_reads_take_references(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    ident = sim.add_asset({"name": "ref"})
    for ref in (f"%2Fa%2F{ident}", f"a%2F{ident}", sim.did + f"%2Fa%2F{ident}"):
        response = send(sim, "GET", f"/api/v1/assets/{ref}")
        assert (response.status, response.header("ETag")) == (200, f'"{ident}"')
    old, _clock = make()
    assert send(old, "GET", f"/api/v1/assets/a%2F{ident}").status == 400


def test_latest_asset_kind_filter(new: tuple[VenueSimulator, FakeClock]) -> None:
    sim, _ = new
    ops = js(send(sim, "GET", "/api/v1/assets?kind=operation"))
    data = js(send(sim, "GET", "/api/v1/assets?kind=data"))
    # 109 catalogued ops with an operation object (agent templates have none, or a
    # string), and 7 more installed: orchestrations, an HTTP example, a model chat.
    assert ops["total"] == 116
    assert ops["total"] + data["total"] == len(sim.assets)


def test_download_with_an_invalid_declared_hash_is_plain_500(sim: VenueSimulator) -> None:
    ident = sim.add_asset({"content": {"sha256": "not-a-hash", "contentType": "a/b"}})
    response = send(sim, "GET", f"/api/v1/assets/{ident}/content")
    assert response.status == 500
    assert response.body.startswith(b"Unexpected error: ")
    assert ctype(response) == "text/plain"


def test_head_on_content_does_not_stream(sim: VenueSimulator) -> None:
    iris = next(a for a in sim.assets if a.metadata.get("name") == "Iris Dataset")
    response = send(sim, "HEAD", f"/api/v1/assets/{iris.id}/content")
    assert (response.status, response.body) == (200, b"")


def test_operation_lookup_follows_the_venues_resolution(sim: VenueSimulator) -> None:
    template = js(send(sim, "GET", "/api/v1/operations/v%2Fagents%2Ftemplates%2Fminimal"))
    assert set(template) == {"name", "asset", "description"}  # no operation at all
    by_id = send(sim, "GET", f"/api/v1/operations/{template['asset']}")
    assert by_id.status == 404  # by id, only metadata with an operation resolves
    goaltree = js(send(sim, "GET", "/api/v1/operations/v%2Fagents%2Ftemplates%2Fgoaltree"))
    assert send(sim, "GET", f"/api/v1/operations/{goaltree['asset']}").status == 200
    iris = next(a.id for a in sim.assets if a.metadata.get("name") == "Iris Dataset")
    assert send(sim, "GET", f"/api/v1/operations/{iris}").status == 404
    slashed = js(send(sim, "GET", "/api/v1/operations/%2Fv%2Ftest%2Fops%2Fecho"))
    assert slashed["name"] == "/v/test/ops/echo"


def test_long_fractions_fail_registration_as_on_the_venue(sim: VenueSimulator) -> None:
    response = send(sim, "POST", "/api/v1/assets", raw=b'{"n": 0.30000000000000004}')
    assert (response.status, ctype(response)) == (500, "text/plain")
    assert response.body.startswith(b"Unexpected error: java.lang.NumberFormatException: ")
    lone = send(sim, "POST", "/api/v1/assets", raw=b'{"name": "\\ud800"}')
    assert lone.status == 201  # read as "?", not a crash
