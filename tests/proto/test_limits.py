from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError, RequestInfo, VenueProtocolError
from covia_proto.limits import (
    DEFAULT_LIMITS,
    JSON_MEMORY_FACTOR,
    BoundedBody,
    Limits,
    applied_limits,
    body_too_large,
    declared_too_large,
    json_cost_exceeds,
    json_depth_exceeds,
    limits_in_force,
)

INFO = RequestInfo("GET", "https://venue.test/api/v1/status")


def test_defaults_are_the_documented_ones() -> None:
    assert Limits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_body_size == 64 * 1024 * 1024
    assert DEFAULT_LIMITS.max_header_size == 64 * 1024
    assert DEFAULT_LIMITS.max_event_line == 1024 * 1024
    assert DEFAULT_LIMITS.max_event_size == 16 * 1024 * 1024
    assert DEFAULT_LIMITS.max_json_depth == 800


@pytest.mark.parametrize(
    "field",
    ["max_body_size", "max_header_size", "max_event_line", "max_event_size", "max_json_depth"],
)
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10", None])
def test_every_limit_must_be_a_positive_int(field: str, value: object) -> None:
    with pytest.raises(CoviaUsageError, match=field):
        Limits(**{field: value})  # type: ignore[arg-type]


def test_limits_are_frozen_values() -> None:
    limits = Limits(max_body_size=10)
    assert limits == Limits(max_body_size=10)
    assert hash(limits) == hash(Limits(max_body_size=10))
    with pytest.raises(AttributeError):
        limits.max_body_size = 11  # type: ignore[misc]


# -- the limits in force -------------------------------------------------------------------


def test_the_defaults_are_in_force_unless_others_are_applied() -> None:
    assert limits_in_force() is DEFAULT_LIMITS
    small = Limits(max_json_depth=3)
    with applied_limits(small) as applied:
        assert applied is small
        assert limits_in_force() is small
        with applied_limits(DEFAULT_LIMITS):
            assert limits_in_force() is DEFAULT_LIMITS
        assert limits_in_force() is small
    assert limits_in_force() is DEFAULT_LIMITS


def test_applied_limits_are_withdrawn_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), applied_limits(Limits(max_json_depth=3)):
        raise RuntimeError("boom")
    assert limits_in_force() is DEFAULT_LIMITS


def test_only_limits_can_be_applied() -> None:
    with pytest.raises(CoviaUsageError, match="Limits"), applied_limits(3):  # type: ignore[arg-type]
        pass


# -- JSON depth --------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_depth_at_the_limit_passes_and_one_more_is_refused(limit: int) -> None:
    assert not json_depth_exceeds(nested(limit), limit)
    assert json_depth_exceeds(nested(limit + 1), limit)
    assert json_depth_exceeds(nested(limit + 1).encode(), limit)


def test_objects_and_arrays_both_count() -> None:
    doc = json.dumps({"a": [{"b": [{"c": 1}]}]})  # depth 5
    assert not json_depth_exceeds(doc, 5)
    assert json_depth_exceeds(doc, 4)


def test_brackets_inside_strings_do_not_count() -> None:
    doc = json.dumps(["[[[[{{{{", 'a \\" quote [[[[ "', "\u00e9[[[["])
    assert not json_depth_exceeds(doc, 1)
    assert json_depth_exceeds(doc, 0)
    assert not json_depth_exceeds(doc.encode(), 1)


def test_many_shallow_brackets_are_not_deep() -> None:
    doc = json.dumps([[i] for i in range(10_000)])
    assert not json_depth_exceeds(doc, 2)
    assert json_depth_exceeds(doc, 1)


def test_a_document_too_short_to_be_deep_is_not_walked() -> None:
    # Not JSON at all: only a long enough document could nest that deep.
    assert not json_depth_exceeds("[[[", 3)
    assert not json_depth_exceeds(b"[[[[", 4)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\x', max_size=3), children, max_size=3)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(min_value=1, max_value=12))
def test_depth_agrees_with_the_parsed_value(value: object, limit: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert json_depth_exceeds(text, limit) == (depth_of(value) > limit)
    assert json_depth_exceeds(text.encode(), limit) == (depth_of(value) > limit)


# -- body size -------------------------------------------------------------------------------


def test_body_too_large_names_the_limit_and_the_request() -> None:
    error = body_too_large(1024, INFO)
    assert isinstance(error, VenueProtocolError)
    assert "max_body_size (1024 bytes)" in str(error)
    assert error.request == INFO


@pytest.mark.parametrize(
    ("headers", "limit", "expected"),
    [
        ((("Content-Length", "11"),), 10, True),
        ((("content-length", " 10 "),), 10, False),
        ((("Content-Length", "0" * 50 + "9"),), 10, False),
        ((("Content-Length", "9" * 5000),), 10, True),
        ((("Content-Length", "11"), ("Content-Encoding", "gzip")), 10, False),
        ((("Content-Length", "11"), ("Content-Encoding", "Identity")), 10, True),
        ((("Content-Length", "-5"),), 10, False),
        ((("Content-Length", "1e9"),), 10, False),
        ((("Content-Length", "\u0661\u0662"),), 10, False),
        ((), 10, False),
        ((("Content-Length", "11"),), None, False),
    ],
)
def test_declared_too_large_reads_only_a_plain_content_length(
    headers: tuple[tuple[str, str], ...], limit: int | None, expected: bool
) -> None:
    assert declared_too_large(headers, limit) is expected


def test_a_bounded_body_collects_up_to_its_limit_and_refuses_past_it() -> None:
    body = BoundedBody(5)
    body.add(b"ab")
    body.add(b"cde")
    assert body.bytes() == b"abcde"
    with pytest.raises(VenueProtocolError, match="max_body_size"):
        body.add(b"f")
    unbounded = BoundedBody(None)
    unbounded.add(b"x" * 100)
    assert len(unbounded.bytes()) == 100


def test_a_bounded_body_refuses_a_larger_declared_length_before_any_chunk() -> None:
    with pytest.raises(VenueProtocolError, match="max_body_size"):
        BoundedBody(10, headers=[("Content-Length", "11")])
    assert BoundedBody(10, headers=[("Content-Length", "11"), ("Content-Encoding", "gzip")])


def test_json_longer_than_max_json_size_is_refused_before_anything_else() -> None:
    assert json_cost_exceeds(b"[" + b"1," * 10 + b"1]", 100) is None
    reason = json_cost_exceeds(b'"' + b"x" * 200 + b'"', 100)
    assert reason == "longer than max_json_size (100 bytes)"


@pytest.mark.parametrize("item", [b"{}", b"[]", b'{"a":1}', b"1", b"[[[]]]"])
def test_json_packed_densely_is_refused_by_its_shape(item: bytes) -> None:
    body = b"[" + b",".join([item] * (1 << 20)) + b"]"
    reason = json_cost_exceeds(body, 64 << 20)
    assert reason is not None
    assert f"over {JSON_MEMORY_FACTOR} times its size" in reason


@pytest.mark.parametrize(
    "item", [b"1000", b'"ab"', b"0.123456789", b'{"id":"abababab","status":"COMPLETE"}']
)
def test_json_of_ordinary_shapes_is_let_through(item: bytes) -> None:
    body = b"[" + b",".join([item] * (1 << 18)) + b"]"
    assert len(body) > 64 * 1024
    assert json_cost_exceeds(body, 64 << 20) is None
    assert json_cost_exceeds(body.decode(), 64 << 20) is None  # event data is text


def test_small_json_is_never_looked_at_for_its_shape() -> None:
    assert json_cost_exceeds(b"[" + b"{}," * 20_000 + b"{}]", 64 << 20) is None  # 60 KB


def test_max_json_size_is_a_positive_limit() -> None:
    assert Limits().max_json_size == 16 << 20
    with pytest.raises(CoviaUsageError, match="max_json_size"):
        Limits(max_json_size=0)


@pytest.mark.parametrize(
    "document",
    [
        rb'{"a":"\\\\","b":[[["\\"]]]}',
        rb'["\"[[[[", [[["]]]]\\"]]]]',
        rb'["\\\"[[[[\\", [[1]]]',
    ],
)
def test_depth_ignores_brackets_in_strings_whatever_their_escapes(document: bytes) -> None:
    depth = depth_of(json.loads(document))
    assert not json_depth_exceeds(document, depth)
    assert json_depth_exceeds(document, depth - 1)


def test_depth_is_measured_across_the_slices_the_scan_takes() -> None:
    # Brackets inside a string that spans a slice boundary of the scan are not nesting…
    inside_a_string = b'{"a":"' + b"[" * 70_000 + b'"}'
    assert not json_depth_exceeds(inside_a_string, 800)
    # …while nesting that spans one is.
    nested = b'{"a":"x","b":' + b"[" * 70_000 + b"]" * 70_000 + b"}"
    assert json_depth_exceeds(nested, 800)
    assert not json_depth_exceeds(nested, 70_001)
