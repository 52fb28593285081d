"""Tests of the package's cattrs converter: wire names, kept unknown fields, hex ids,
and strict types that fail as VenueProtocolError."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto import models
from covia_proto.converter import EXTRA, converter, structure, unstructure, wire
from covia_proto.errors import VenueProtocolError
from covia_proto.job_status import JobStatus
from covia_proto.models import DidDocument, JobRecord, McpDiscovery, VenueStatus


@attrs.frozen
class Inner:
    file_name: str | None = wire()
    extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen
class Sample:
    """A model exercising every converter feature."""

    asset_id: str = wire(hex=True, default="")
    maybe_id: str | None = wire(hex=True)
    ids: tuple[str, ...] = wire(hex=True, default=())
    tags: tuple[str, ...] = wire(default=())
    count: int | None = wire()
    ratio: float | None = wire()
    flag: bool | None = wire()
    status: JobStatus | None = wire()
    context: Any = wire("@context")
    snake_key: str | None = wire("snake_key")
    inner: Inner | None = wire()
    inners: tuple[Inner, ...] = wire(default=())
    anything: Any = wire()
    extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)


def test_camel_case_and_explicit_wire_names() -> None:
    data = {
        "assetId": "ab",
        "@context": "https://www.w3.org/ns/did/v1",
        "snake_key": "s",
        "inner": {"fileName": "iris.csv"},
    }
    sample = structure(data, Sample)
    assert sample.asset_id == "ab"
    assert sample.context == "https://www.w3.org/ns/did/v1"
    assert sample.snake_key == "s"
    assert sample.inner == Inner(file_name="iris.csv")
    assert sample.extra == {}
    out = unstructure(sample)
    assert out == data


def test_python_names_on_the_wire_are_unknown_fields() -> None:
    sample = structure({"asset_id": "ab", "snakeKey": "x", "context": 1}, Sample)
    assert sample.asset_id == ""
    assert sample.snake_key is None
    assert sample.extra == {"asset_id": "ab", "snakeKey": "x", "context": 1}


def test_unknown_fields_kept_and_round_tripped_at_every_level() -> None:
    data = {
        "assetId": "ab",
        "count": 3,
        "futureField": {"nested": [1, 2, None]},
        "inner": {"fileName": "a", "encoding": "gzip"},
        "inners": [{"x": True}],
        "extra": "a venue field literally called extra",
    }
    sample = structure(data, Sample)
    assert sample.extra == {
        "futureField": {"nested": [1, 2, None]},
        "extra": "a venue field literally called extra",
    }
    assert sample.inner is not None
    assert sample.inner.extra == {"encoding": "gzip"}
    assert sample.inners[0].extra == {"x": True}
    assert unstructure(sample) == data


def test_known_fields_win_over_extra_when_unstructuring() -> None:
    sample = Sample(count=2, extra={"count": 99, "other": 1})
    assert unstructure(sample) == {"assetId": "", "count": 2, "other": 1}


def test_unset_optionals_are_omitted() -> None:
    assert unstructure(Sample()) == {"assetId": ""}
    assert EXTRA not in unstructure(Sample(extra={}))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"assetId": "0xABCDEF"}, {"asset_id": "abcdef"}),
        ({"assetId": "ABCDEF"}, {"asset_id": "abcdef"}),
        ({"maybeId": "0X0a0B"}, {"maybe_id": "0a0b"}),
        ({"maybeId": None}, {"maybe_id": None}),
        ({"ids": ["0xAA", "bb", "0XCC"]}, {"ids": ("aa", "bb", "cc")}),
        # Not hex: newer venues use references where ids stood; kept as given.
        ({"assetId": "w/data/Iris"}, {"asset_id": "w/data/Iris"}),
        ({"tags": ["0xAA"]}, {"tags": ("0xAA",)}),  # not a hex field
    ],
)
def test_hex_fields_are_normalised(data: dict[str, Any], expected: dict[str, Any]) -> None:
    sample = structure(data, Sample)
    for name, value in expected.items():
        assert getattr(sample, name) == value


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"count": "3"}, "expected an integer, got str '3'"),
        ({"count": True}, "expected an integer, got bool True"),
        ({"count": 1.0}, "expected an integer, got float 1.0"),
        ({"ratio": "0.5"}, "expected a number"),
        ({"ratio": False}, "expected a number"),
        ({"flag": 1}, "expected true or false, got int 1"),
        ({"flag": "true"}, "expected true or false"),
        ({"assetId": 12}, "expected a string, got int 12"),
        ({"assetId": None}, "expected a string"),
        ({"maybeId": ["ab"]}, "expected a string"),
        ({"status": 1}, "expected a string"),
        ({"snake_key": {"a": 1}}, "expected a string"),
        ({"tags": "abc"}, "expected an array, got str 'abc'"),
        ({"tags": {"a": "b"}}, "expected an array"),
        ({"tags": [1]}, "expected a string"),
        ({"ids": "abcd"}, "expected an array"),
        ({"inners": "abc"}, "expected an array"),
        ({"inners": {}}, "expected an array"),
        ({"inners": [1]}, "expected a JSON object for Inner"),
        ({"inner": []}, "expected a JSON object for Inner"),
        ({"inner": {"fileName": 7}}, "Inner: expected a string"),
    ],
)
def test_strict_types(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(VenueProtocolError) as info:
        structure(data, Sample)
    assert fragment in str(info.value)
    assert str(info.value).startswith("Sample")


@attrs.frozen
class Loose:
    """A model of the user's own JSON: every field lenient."""

    name: str | None = wire(lenient=True)
    count: int | None = wire(lenient=True)
    ident: str | None = wire(hex=True, lenient=True)
    inner: Inner | None = wire(lenient=True)
    tags: tuple[str, ...] = wire(default=(), lenient=True)
    extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)


@pytest.mark.parametrize(
    "data",
    [
        {"name": 42},
        {"name": {"first": "Ada"}},
        {"count": "12"},
        {"count": True},
        {"ident": ["ab"]},
        {"ident": 7},
        {"inner": "v/ops/goaltree/chat"},
        {"inner": ["a"]},
        {"tags": "one"},
        {"tags": [1, 2]},
    ],
)
def test_a_lenient_field_of_another_type_is_kept_in_extra(data: dict[str, Any]) -> None:
    model = structure(data, Loose)
    ((key, value),) = data.items()
    assert getattr(model, key) == attrs.fields_dict(Loose)[key].default
    assert model.extra == {key: value}
    assert unstructure(model) == data  # nothing lost on the way back


def test_a_lenient_field_of_its_own_type_is_typed() -> None:
    model = structure({"name": "n", "ident": "0xAB", "inner": {"fileName": "f"}}, Loose)
    assert (model.name, model.ident, model.inner, model.extra) == (
        "n",
        "ab",
        Inner(file_name="f"),
        {},
    )


def test_leniency_reaches_only_the_field_it_is_given_to() -> None:
    # Inner's own field is strict: inside a lenient field, a nested model that breaks
    # its own rules is kept whole, as sent.
    model = structure({"inner": {"fileName": 7}}, Loose)
    assert model.inner is None
    assert model.extra == {"inner": {"fileName": 7}}


def test_an_absent_key_takes_the_default_but_an_explicit_null_is_checked() -> None:
    assert structure({}, Sample) == Sample()
    assert structure({"count": None, "maybeId": None}, Sample) == Sample()
    for key in ("assetId", "ids", "tags", "inners"):  # not optional: null is wrong
        with pytest.raises(VenueProtocolError, match=r"^Sample: expected .*NoneType"):
            structure({key: None}, Sample)


def test_any_mapping_is_accepted_and_every_model_gets_its_own_extra() -> None:
    from types import MappingProxyType

    document = MappingProxyType({"count": 2, "later": [1]})
    first = structure(document, Sample)
    assert first.count == 2
    assert first.extra == {"later": [1]}
    second, third = structure({}, Sample), structure({}, Sample)
    assert second.extra == {}
    assert second.extra is not third.extra


@pytest.mark.parametrize("document", [[], "text", 3, None, True])
def test_a_document_must_be_an_object(document: Any) -> None:
    with pytest.raises(VenueProtocolError, match="expected a JSON object for Sample"):
        structure(document, Sample)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(VenueProtocolError) as info:
        structure({"count": "x" * 500}, Sample)
    assert len(str(info.value)) < 200
    assert "..." in str(info.value)


def test_any_field_takes_any_json() -> None:
    for value in (None, 1, "s", [1, {"a": None}], {"k": [True]}):
        assert structure({"anything": value}, Sample).anything == value


def test_status_strings_become_job_statuses() -> None:
    assert structure({"status": "COMPLETE"}, Sample).status is JobStatus.COMPLETE
    assert structure({"status": "pending"}, Sample).status is JobStatus.PENDING
    unknown = structure({"status": "ARCHIVED"}, Sample).status
    assert unknown == "ARCHIVED"
    assert unknown is not None
    assert not unknown.is_known
    assert unstructure(Sample(status=JobStatus.FAILED))["status"] == "FAILED"
    assert type(unstructure(Sample(status=JobStatus.FAILED))["status"]) is str


def test_mcp_keys_stay_snake_case() -> None:
    doc = structure({"mcp_version": "1.0", "server_url": "https://v/mcp"}, McpDiscovery)
    assert (doc.mcp_version, doc.server_url) == ("1.0", "https://v/mcp")
    assert unstructure(doc) == {"mcp_version": "1.0", "server_url": "https://v/mcp"}
    camel = structure({"mcpVersion": "1.0"}, McpDiscovery)
    assert camel.mcp_version is None
    assert camel.extra == {"mcpVersion": "1.0"}


def test_at_context_on_a_real_model() -> None:
    doc = structure({"@context": "https://www.w3.org/ns/did/v1", "id": "did:web:v"}, DidDocument)
    assert doc.context == "https://www.w3.org/ns/did/v1"
    assert unstructure(doc) == {"@context": "https://www.w3.org/ns/did/v1", "id": "did:web:v"}


def test_nested_stats_camel_case() -> None:
    status = structure({"stats": {"userJobs": 3, "jobs": 9}}, VenueStatus)
    assert status.stats is not None
    assert (status.stats.user_jobs, status.stats.jobs) == (3, 9)


def test_a_chain_of_records_is_structured_without_recursion() -> None:
    # A job's prev chain grows with every transition; its depth is the venue's choice.
    record: dict[str, Any] = {"id": "0xAB", "status": "PENDING"}
    for _ in range(5000):
        record = {"id": "0xAB", "status": "STARTED", "prev": record, "Xnew": 1}
    job = structure(record, JobRecord)
    depth = 0
    while job.prev is not None:
        assert job.id == "ab"
        assert job.extra == {"Xnew": 1}
        job, depth = job.prev, depth + 1
    assert depth == 5000
    assert job.status is JobStatus.PENDING


def test_an_error_deep_in_a_chain_is_raised_once_when_its_record_is_read() -> None:
    # Linked records are structured when read (lazy_link): a malformed one deep in a
    # long history costs nothing until then, and then fails with its own message.
    record: dict[str, Any] = {"id": "ab", "status": "PENDING", "created": "yesterday"}
    for _ in range(50):
        record = {"id": "ab", "status": "STARTED", "prev": record}
    job: JobRecord | None = structure(record, JobRecord)
    for _ in range(49):
        assert job is not None
        job = job.prev
        assert job is not None
        assert job.status is JobStatus.STARTED
    assert job is not None
    with pytest.raises(VenueProtocolError) as info:
        _ = job.prev
    assert str(info.value) == "JobRecord: expected an integer, got str 'yesterday'"
    with pytest.raises(VenueProtocolError):
        _ = job.prev  # every read, not only the first
    with pytest.raises(VenueProtocolError):
        unstructure(structure(record, JobRecord))


def test_a_linked_record_is_structured_once_and_behaves_as_one_given_directly() -> None:
    inner = {"id": "0xAB", "status": "PENDING", "Xnew": [1]}
    outer = structure({"id": "ab", "status": "STARTED", "prev": inner}, JobRecord)
    assert outer.prev is outer.prev
    given = JobRecord(
        id="ab",
        status=JobStatus.STARTED,
        prev=JobRecord(id="ab", status=JobStatus.PENDING, extra={"Xnew": [1]}),
    )
    fresh = structure({"id": "ab", "status": "STARTED", "prev": inner}, JobRecord)
    assert fresh == given  # equality reads the link
    assert given == fresh
    assert repr(fresh) == repr(given)
    assert pickle.loads(pickle.dumps(fresh)) == given
    assert copy.deepcopy(structure(unstructure(given), JobRecord)) == given
    assert attrs.asdict(fresh) == attrs.asdict(given)
    evolved = attrs.evolve(fresh, status=JobStatus.FAILED)
    assert isinstance(evolved, JobRecord)
    assert evolved.prev == given.prev
    # The class is still an attrs class with ``prev`` as a field.
    assert attrs.has(type(given))
    assert "prev" in attrs.fields_dict(JobRecord)
    # Any mapping is a record, as at the top.
    proxied = structure({"id": "ab", "prev": MappingProxyType(inner)}, JobRecord)
    assert proxied.prev == given.prev


def test_a_model_with_a_validator_is_built_through_its_init() -> None:
    # Models are built by filling their slots, unless attrs' __init__ has more to do.
    @attrs.frozen
    class Checked:
        count: int = attrs.field(default=0, kw_only=True, validator=attrs.validators.le(10))
        extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)

    assert structure({"count": 3, "Xnew": 1}, Checked) == Checked(count=3, extra={"Xnew": 1})
    with pytest.raises(VenueProtocolError, match="Checked: 'count' must be <= 10"):
        structure({"count": 11}, Checked)


def test_each_check_is_the_same_inline_and_as_a_hook() -> None:
    # One table: a field of a model and cattrs' hook for the type (used for items of
    # tuples and types structured alone) accept and refuse alike.
    @attrs.frozen
    class Holder:
        s: str = wire(default="")
        i: int = wire(default=0)
        f: float | None = wire()
        b: bool | None = wire()
        j: JobStatus | None = wire()
        extra: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)

    values: list[Any] = ["x", 1, 2.5, True, None, [], {}, "COMPLETE", "busy"]
    for key, hint in [("s", str), ("i", int), ("f", float), ("b", bool), ("j", JobStatus)]:
        for value in values:
            if value is None:
                continue  # null is a field's own business (optional or not)
            try:
                inline: Any = getattr(structure({key: value}, Holder), key)
            except VenueProtocolError as exc:
                inline = exc.message.removeprefix("Holder: ")
            try:
                hooked: Any = converter.structure(value, hint)
            except VenueProtocolError as exc:
                hooked = exc.message
            assert inline == hooked, (key, value)
            assert type(inline) is type(hooked), (key, value)


def test_a_prev_that_is_a_hash_not_a_record_is_kept_as_an_unknown_field() -> None:
    # COG-8 describes ``prev`` as the hash of the previous record; 0.1 venues nest it.
    record = {"id": "ab", "status": "STARTED", "prev": "0x" + "ab" * 32}
    job = structure(record, JobRecord)
    assert job.prev is None
    assert job.extra == {"prev": "0x" + "ab" * 32}
    assert unstructure(job) == record
    nested = {"id": "ab", "status": "COMPLETE", "prev": record}
    assert structure(nested, JobRecord).prev == job


def test_the_converter_is_one_shared_object() -> None:
    assert structure({"count": 1}, Sample) == converter.structure({"count": 1}, Sample)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "status",
                    "items",
                    "prev",
                    "stats",
                    "service",
                    "content",
                    "operation",
                    "verificationMethod",
                    "@context",
                    "ts",
                    "total",
                ]
            )
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=15,
)

ALL_MODELS = [
    cls
    for cls in vars(models).values()
    if isinstance(cls, type) and attrs.has(cls) and any(f.name == EXTRA for f in attrs.fields(cls))
]


def test_every_model_is_fuzzed() -> None:
    assert len(ALL_MODELS) >= 15
    assert JobRecord in ALL_MODELS
    assert DidDocument in ALL_MODELS


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_gives_a_model_or_a_protocol_error(value: Any) -> None:
    for cls in ALL_MODELS:
        try:
            model = structure(value, cls)
            document = unstructure(model)  # reads linked records too
        except VenueProtocolError:
            continue
        assert isinstance(model, cls)
        assert structure(document, cls) == model


@pytest.mark.parametrize("bad", ["\udc00", "a\udfffb", "a\nb", "\x1b]0;title\x07", "a\x7f"])
def test_ids_that_could_not_go_back_out_are_refused(bad: str) -> None:
    for data, cls in (
        ({"id": bad, "status": "PENDING"}, models.JobRecord),
        ({"items": ["ab" * 32, bad], "total": 2, "offset": 0}, models.AssetList),
        ({"items": [bad], "total": 1, "offset": 0}, models.JobList),
    ):
        with pytest.raises(VenueProtocolError, match="an id without control characters"):
            structure(data, cls)


def test_references_that_are_not_hex_are_kept_as_given() -> None:
    listed = structure({"items": ["0xAB", "w/data", "v/ops/\u00e9t\u00e9"]}, models.AssetList)
    assert listed.items == ("ab", "w/data", "v/ops/\u00e9t\u00e9")
