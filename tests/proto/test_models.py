"""Tests of the venue document models with the documents of venue-api.md, and round
trips of generated documents (unknown fields kept)."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.converter import structure, unstructure
from covia_proto.errors import VenueProtocolError
from covia_proto.job_status import JobStatus
from covia_proto.models import (
    AgentCard,
    AssetDocument,
    AssetList,
    AssetMetadata,
    ContentInfo,
    DidDocument,
    DidService,
    JobList,
    JobRecord,
    McpDiscovery,
    MessageAck,
    OperationInfo,
    SecretsList,
    SecretStored,
    VenueStatus,
)

VENUE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
KEY = VENUE + "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
JOB = "0195a1b2c3d40000a1b2c3d4e5f60718"
OP = "7a8b" * 16

STATUS = {
    "status": "OK",
    "ts": 1781255878753,
    "did": VENUE,
    "name": "Covia Venue",
    "url": "https://venue.example.com",
    "stats": {"assets": 130, "users": 0, "ops": 116},
}

DID_DOC = {
    "id": VENUE,
    "@context": "https://www.w3.org/ns/did/v1",
    "verificationMethod": [
        {
            "id": KEY,
            "type": "Multikey",
            "controller": VENUE,
            "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        }
    ],
    "authentication": [KEY],
    "assertionMethod": [KEY],
    "capabilityDelegation": [KEY],
    "capabilityInvocation": [KEY],
    "service": [{"type": "Covia.API.v1", "serviceEndpoint": "https://venue.example.com/api/v1"}],
}


def job(status: str = "COMPLETE", **fields: Any) -> dict[str, Any]:
    return {
        "id": "0x" + JOB,
        "op": OP,
        "name": "Echo Operation",
        "status": status,
        "created": 1781255878000,
        "updated": 1781255878005,
        "input": {"hello": "world"},
        "caller": VENUE + ":public",
        **fields,
    }


def test_venue_status() -> None:
    status = structure(STATUS, VenueStatus)
    assert status.status == "OK"
    assert status.ts == 1781255878753
    assert status.did == VENUE
    assert status.name == "Covia Venue"
    assert status.version is None
    assert status.stats is not None
    assert (status.stats.assets, status.stats.users, status.stats.ops) == (130, 0, 116)
    assert status.stats.jobs is None
    assert unstructure(status) == STATUS


def test_venue_status_without_name_and_with_newer_fields() -> None:
    data = {**STATUS, "version": "0.9.11", "ucanProfile": "x", "access": {"public": True}}
    del data["name"]
    status = structure(data, VenueStatus)
    assert status.name is None
    assert status.version == "0.9.11"
    assert status.extra == {"ucanProfile": "x", "access": {"public": True}}
    assert unstructure(status) == data


def test_asset_list_envelope_bare_and_0x() -> None:
    page = structure(
        {"total": 3, "offset": 1, "limit": 2, "items": ["0x" + "AB" * 32, "cd" * 32]}, AssetList
    )
    assert page.items == ("ab" * 32, "cd" * 32)
    assert (page.total, page.offset, page.limit) == (3, 1, 2)


def test_asset_metadata_operation_and_artifact() -> None:
    op = structure(
        {
            "name": "Echo Operation",
            "operation": {
                "adapter": "test:echo",
                "input": {"type": "object"},
                "toolName": "echo",
                "strict": True,
                "secretFields": ["apiKey"],
                "steps": [],
            },
        },
        AssetMetadata,
    )
    assert op.is_operation
    assert not op.is_artifact
    assert op.operation is not None
    assert op.operation.tool_name == "echo"
    assert op.operation.secret_fields == ("apiKey",)
    assert op.operation.extra == {"steps": []}

    data = {
        "name": "Iris Dataset",
        "dateCreated": "2024-01-01",
        "content": {
            "sha256": "0x119E30DB" + "0" * 56,
            "contentType": "text/csv",
            "fileName": "iris.csv",
            "size": 4551,
            "inLanguage": "en",
        },
    }
    art = structure(data, AssetMetadata)
    assert art.is_artifact
    assert not art.is_operation
    assert art.content == ContentInfo(
        sha256="119e30db" + "0" * 56,
        content_type="text/csv",
        file_name="iris.csv",
        size=4551,
        in_language="en",
    )
    assert art.date_created == "2024-01-01"


def test_operation_info() -> None:
    info = structure(
        {
            "name": "v/test/ops/echo",
            "asset": "0x" + OP.upper(),
            "description": "Echo",
            "input": {},
            "readOnly": True,
        },
        OperationInfo,
    )
    assert info.asset == OP
    assert info.read_only is True
    assert info.activity_label is None


def test_job_record_with_nested_prev_chain() -> None:
    pending = job("PENDING")
    started = job("STARTED", prev=pending)
    complete = job("COMPLETE", output={"hello": "world"}, prev=started)
    record = structure(complete, JobRecord)
    assert record.id == JOB
    assert record.status is JobStatus.COMPLETE
    assert record.is_finished
    assert record.is_complete
    assert record.output == {"hello": "world"}
    assert record.prev is not None
    assert record.prev.status is JobStatus.STARTED
    assert record.prev.prev is not None
    assert record.prev.prev.status is JobStatus.PENDING
    assert record.prev.prev.prev is None
    assert record.prev.prev.id == JOB
    assert record.operation == OP


def test_a_long_prev_chain_still_parses() -> None:
    data = job("PENDING")
    for _ in range(120):
        data = job("INPUT_REQUIRED", prev=data)
    record = structure(data, JobRecord)
    depth = 0
    while record.prev is not None:
        record, depth = record.prev, depth + 1
    assert depth == 120


def test_job_record_legacy_operation_field() -> None:
    record = structure({"id": JOB, "status": "STARTED", "operation": "v/ops/x"}, JobRecord)
    assert record.op is None
    assert record.operation == "v/ops/x"
    assert not record.is_finished
    assert structure({"id": JOB, "status": "FAILED", "operation": 3}, JobRecord).operation is None


def test_job_record_failed_with_error_and_unknown_fields() -> None:
    data = job(
        "FAILED",
        error="Job timed out after 120000ms",
        temp={"a": 1},
        remoteTaskId="t1",
        errorCode="TIMEOUT",
    )
    record = structure(data, JobRecord)
    assert record.error == "Job timed out after 120000ms"
    assert record.is_finished
    assert not record.is_complete
    assert record.extra == {"temp": {"a": 1}, "remoteTaskId": "t1", "errorCode": "TIMEOUT"}
    assert unstructure(record) == {**data, "id": JOB}


def test_job_record_requires_nothing_but_rejects_wrong_types() -> None:
    assert structure({}, JobRecord) == JobRecord()
    with pytest.raises(VenueProtocolError, match="expected an integer"):
        structure(job(created="1781255878000"), JobRecord)
    with pytest.raises(VenueProtocolError, match="JobRecord"):
        _ = structure(job(prev={"id": "ab", "status": 5}), JobRecord).prev  # when read
    # A prev given as a hash (COG-8) is not a record: it is kept, not parsed.
    assert structure(job(prev="a" * 64), JobRecord).extra["prev"] == "a" * 64


def test_job_list_and_message_ack_and_secrets() -> None:
    jobs = structure({"items": ["0x" + JOB], "total": 1, "offset": 0, "limit": 10}, JobList)
    assert jobs.items == (JOB,)
    assert structure({"status": "queued", "queueDepth": 0}, MessageAck) == MessageAck(
        status="queued", queue_depth=0
    )
    assert structure({"status": "queued"}, MessageAck).queue_depth is None
    assert structure({"items": ["openai"], "total": 1}, SecretsList).items == ("openai",)
    assert structure({"name": "openai", "stored": True}, SecretStored).stored is True


def test_did_document() -> None:
    doc = structure(DID_DOC, DidDocument)
    assert doc.id == VENUE
    assert doc.context == "https://www.w3.org/ns/did/v1"
    assert doc.verification_method[0].public_key_multibase.startswith("z6Mk")  # type: ignore[union-attr]
    assert doc.authentication == (KEY,)
    assert doc.services_of_type("Covia.API.v1")[0].endpoint_url == (
        "https://venue.example.com/api/v1"
    )
    assert doc.services_of_type("Other") == ()
    assert unstructure(doc) == DID_DOC


def test_minimal_asset_did_document() -> None:
    data = {"@context": "https://www.w3.org/ns/did/v1", "id": VENUE + "/a/" + OP}
    doc = structure(data, DidDocument)
    assert doc.service == ()
    assert unstructure(doc) == data


def test_service_type_list_and_non_string_endpoint() -> None:
    service = DidService(type=["Covia.API.v1", "X"], service_endpoint={"uri": "https://v"})
    doc = DidDocument(id="did:web:v", service=(service,))
    assert doc.services_of_type("X") == (service,)
    assert service.endpoint_url is None


def test_mcp_discovery() -> None:
    data = {
        "mcp_version": "1.0",
        "server_url": "https://venue.example.com/mcp",
        "description": None,
        "endpoint": {"path": "/mcp", "transport": "streamable-http"},
    }
    doc = structure(data, McpDiscovery)
    assert doc.server_url == "https://venue.example.com/mcp"
    assert doc.endpoint == {"path": "/mcp", "transport": "streamable-http"}
    assert doc.tools_endpoint is None


def test_agent_card() -> None:
    data = {
        "name": "covia-venue-agent",
        "description": "A Covia venue",
        "version": "1.0",
        "provider": {"organization": "Covia", "url": "https://covia.ai"},
        "capabilities": {"streaming": True, "pushNotifications": False},
        "supportedInterfaces": [
            {
                "protocolBinding": "JSONRPC",
                "url": "https://v/a2a",
                "tenant": "",
                "protocolVersion": "1.0",
            }
        ],
        "defaultInputModes": ["text/plain", "application/json"],
        "defaultOutputModes": ["text/plain", "application/json"],
        "skills": [],
    }
    card = structure(data, AgentCard)
    assert card.agentProvider == {"organization": "Covia", "url": "https://covia.ai"}
    assert card.agentProvider is card.provider
    assert card.supported_interfaces[0]["protocolBinding"] == "JSONRPC"
    assert card.default_input_modes == ("text/plain", "application/json")
    assert unstructure(card) == data


def test_asset_document_hides_text_in_repr() -> None:
    doc = AssetDocument(id="ab", text='{"secret": 1}', data={"secret": 1}, metadata=AssetMetadata())
    assert "secret" not in repr(doc)


def test_models_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        JobRecord().status = JobStatus.FAILED  # type: ignore[misc]


# --- generated documents ----------------------------------------------------------------

hex_ids = st.binary(min_size=16, max_size=32).map(bytes.hex)
json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
# Unknown fields: names no model knows (an upper-case X never starts a camelCase name).
unknown_fields = st.dictionaries(
    st.text(max_size=6).map(lambda s: "X" + s), json_values, max_size=3
)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Documents that leave out any of ``fields`` (absent, never null)."""
    return st.fixed_dictionaries({}, optional=fields)


statuses = st.sampled_from([s.value for s in JobStatus]) | st.just("ARCHIVED")


def job_documents(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "op": hex_ids,
        "name": st.text(max_size=10),
        "created": st.integers(min_value=0),
        "updated": st.integers(min_value=0),
        "input": json_values.filter(lambda v: v is not None),
        "output": json_values.filter(lambda v: v is not None),
        "error": st.text(max_size=10),
        "caller": st.just(VENUE + ":public"),
    }
    if depth:
        fields["prev"] = st.deferred(lambda: job_documents(depth - 1))
    return st.builds(
        lambda required, opt, extra: {**extra, **required, **opt},
        st.fixed_dictionaries({"id": hex_ids, "status": statuses}),
        optional(**fields),
        unknown_fields,
    )


asset_lists = st.builds(
    lambda items, offset, limit, extra: {
        **extra,
        "items": items,
        "total": offset + len(items),
        "offset": offset,
        "limit": limit,
    },
    st.lists(hex_ids, min_size=1, max_size=4),
    st.integers(0, 10_000),
    st.integers(0, 1000),
    unknown_fields,
)

methods = st.builds(
    lambda key, extra: {
        **extra,
        "id": KEY,
        "type": "Multikey",
        "controller": VENUE,
        "publicKeyMultibase": key,
    },
    st.text(min_size=1, max_size=10).map(lambda s: "z" + s),
    unknown_fields,
)
did_documents = st.builds(
    lambda base, opt, extra: {**extra, **base, **opt},
    st.fixed_dictionaries(
        {"id": st.just(VENUE), "@context": st.just("https://www.w3.org/ns/did/v1")}
    ),
    optional(
        verificationMethod=st.lists(methods, min_size=1, max_size=2),
        authentication=st.lists(st.just(KEY), min_size=1, max_size=2),
        assertionMethod=st.lists(st.just(KEY) | json_values, min_size=1, max_size=2),
        service=st.lists(
            st.fixed_dictionaries(
                {"type": st.just("Covia.API.v1"), "serviceEndpoint": st.text(max_size=9)}
            ),
            min_size=1,
            max_size=2,
        ),
    ),
    unknown_fields,
)


@settings(max_examples=60, deadline=None)
@given(job_documents())
def test_job_record_round_trip(document: dict[str, Any]) -> None:
    original = copy.deepcopy(document)
    record = structure(document, JobRecord)
    assert document == original  # structuring does not touch its input
    assert unstructure(record) == document
    assert structure(unstructure(record), JobRecord) == record


@settings(max_examples=40, deadline=None)
@given(asset_lists)
def test_asset_list_round_trip(document: dict[str, Any]) -> None:
    page = structure(document, AssetList)
    assert unstructure(page) == document
    assert structure(unstructure(page), AssetList) == page


@settings(max_examples=40, deadline=None)
@given(did_documents)
def test_did_document_round_trip(document: dict[str, Any]) -> None:
    doc = structure(document, DidDocument)
    assert unstructure(doc) == document
    assert structure(unstructure(doc), DidDocument) == doc


@settings(max_examples=40, deadline=None)
@given(job_documents(depth=0), st.sampled_from(["0x", "0X", ""]), st.booleans())
def test_job_ids_normalise_however_rendered(
    document: dict[str, Any], prefix: str, upper: bool
) -> None:
    raw = document["id"]
    document["id"] = prefix + (raw.upper() if upper else raw)
    assert structure(document, JobRecord).id == raw


def test_a_job_record_repr_leaves_out_its_history() -> None:
    # ``prev`` nests every earlier record: shown, it made one failed job's repr huge.
    inner = JobRecord(id="0a", status=JobStatus.PENDING, input="x" * 500)
    record = JobRecord(id="0a", status=JobStatus.FAILED, error="boom", prev=inner)
    assert "prev" not in repr(record)
    assert "x" * 500 not in repr(record)
    assert "boom" in repr(record)
    assert record.prev == inner


def test_fields_of_newer_venues_have_typed_accessors() -> None:
    record = structure(
        {
            "id": JOB, "status": "FAILED", "adapter": "test", "parent": "0xcd",
            "errorCode": "E_BOOM", "cancellation": {"reason": "stop"},
        },
        JobRecord,
    )  # fmt: skip
    assert (record.adapter, record.parent, record.error_code) == ("test", "0xcd", "E_BOOM")
    assert record.cancellation == {"reason": "stop"}
    odd = structure({"id": JOB, "status": "FAILED", "adapter": 5, "cancellation": "x"}, JobRecord)
    assert (odd.adapter, odd.cancellation) == (None, None)
    assert odd.extra == {"adapter": 5, "cancellation": "x"}  # kept, never refused
    status = structure(
        {"status": "OK", "access": {"public": True}, "ucanProfile": "p"}, VenueStatus
    )
    assert (status.access, status.ucan_profile) == ({"public": True}, "p")
    assert structure({"status": "OK"}, VenueStatus).access is None
    card = structure({"name": "n", "preferredTransport": "JSONRPC"}, AgentCard)
    assert card.preferred_transport == "JSONRPC"


def test_the_official_sdks_camel_case_names_read_the_same_fields() -> None:
    op = structure({"name": "x", "activityLabel": "Echoing", "readOnly": True}, OperationInfo)
    assert (op.activityLabel, op.readOnly) == ("Echoing", True)
    card = structure(
        {"name": "n", "defaultInputModes": ["text"], "defaultOutputModes": ["json"],
         "supportedInterfaces": [{"url": "u"}], "preferredTransport": "JSONRPC"},
        AgentCard,
    )  # fmt: skip
    assert card.defaultInputModes == card.default_input_modes
    assert card.defaultOutputModes == card.default_output_modes
    assert card.supportedInterfaces == card.supported_interfaces
    assert card.preferredTransport == "JSONRPC"
    assert structure({"status": "OK", "ucanProfile": "p"}, VenueStatus).ucanProfile == "p"
    job = structure({"id": JOB, "status": "FAILED", "errorCode": "E"}, JobRecord)
    assert job.errorCode == "E"
