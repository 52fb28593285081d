"""Tests of the incremental SSE parser against the WHATWG event-stream rules."""

from __future__ import annotations

import contextlib
import json
import pickle
import re
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covia_proto import sse
from covia_proto.errors import CoviaError, CoviaUsageError, VenueProtocolError
from covia_proto.sse import ServerSentEvent, SSEParser

BOM = b"\xef\xbb\xbf"


def parse(
    *chunks: bytes, eof: bool = False, max_line_length: int = 1 << 20, max_event_size: int = 1 << 20
) -> list[ServerSentEvent]:
    parser = SSEParser(max_line_length=max_line_length, max_event_size=max_event_size)
    for chunk in chunks:
        parser.receive_data(chunk)
    if eof:
        parser.end_of_stream()
    return parser.events()


def one(
    *chunks: bytes, max_line_length: int = 1 << 20, max_event_size: int = 1 << 20
) -> ServerSentEvent:
    events = parse(*chunks, max_line_length=max_line_length, max_event_size=max_event_size)
    assert len(events) == 1, events
    return events[0]


# Fields and line syntax


def test_data_only_event_is_a_message() -> None:
    assert parse(b"data: hello\n\n") == [ServerSentEvent("message", "hello", None, None)]


def test_event_field_sets_type() -> None:
    event = one(b'event: job-update\ndata: {"a":1}\n\n')
    assert event.event == "job-update"
    assert event.data == '{"a":1}'


def test_data_lines_joined_with_lf() -> None:
    assert one(b"data: a\ndata: b\ndata: c\n\n").data == "a\nb\nc"


def test_only_the_final_lf_is_removed() -> None:
    assert one(b"data: a\ndata:\n\n").data == "a\n"
    assert one(b"data:\ndata:\n\n").data == "\n"


def test_empty_data_line_still_dispatches() -> None:
    assert one(b"data:\n\n") == ServerSentEvent(data="")


def test_line_without_colon_is_field_with_empty_value() -> None:
    assert one(b"data\n\n").data == ""
    # "event" with an empty value leaves the type to default to "message".
    assert one(b"event: x\nevent\ndata: y\n\n").event == "message"


def test_single_space_after_colon_is_removed() -> None:
    assert one(b"data: x\n\n").data == "x"
    assert one(b"data:x\n\n").data == "x"
    assert one(b"data:  x\n\n").data == " x"
    assert one(b"data:\tx\n\n").data == "\tx"
    assert one(b"data: x \n\n").data == "x "


def test_value_may_contain_colons() -> None:
    assert one(b"data: a: b:c\n\n").data == "a: b:c"


def test_comments_are_ignored() -> None:
    assert parse(b": keep-alive\n\n") == []
    assert parse(b":data: x\n\n") == []
    assert one(b"data: a\n: comment in between\ndata: b\n\n").data == "a\nb"


def test_unknown_and_misspelled_fields_are_ignored() -> None:
    assert one(b"foo: bar\ndata: x\nDATA: y\ndata : z\n\n") == ServerSentEvent(data="x")
    assert parse(b"Data: x\n\n") == []


def test_events_come_out_in_order_and_drain() -> None:
    parser = SSEParser()
    assert parser.next_event() is None
    parser.receive_data(b"data: 1\n\ndata: 2\n\ndata: 3\n\n")
    first = parser.next_event()
    assert first is not None
    assert first.data == "1"
    assert [e.data for e in parser.events()] == ["2", "3"]
    assert parser.events() == []
    assert parser.next_event() is None


def test_event_without_data_is_not_dispatched_but_type_resets() -> None:
    assert parse(b"event: ping\n\n") == []
    assert one(b"event: ping\n\ndata: x\n\n").event == "message"


def test_event_type_resets_after_dispatch() -> None:
    events = parse(b"event: a\ndata: 1\n\ndata: 2\n\n")
    assert [(e.event, e.data) for e in events] == [("a", "1"), ("message", "2")]


def test_last_event_type_in_block_wins() -> None:
    assert one(b"event: a\nevent: b\ndata: x\n\n").event == "b"


def test_blank_lines_alone_dispatch_nothing() -> None:
    assert parse(b"\n\n\r\n\r\r") == []


# Line endings


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"])
def test_each_line_ending(eol: bytes) -> None:
    stream = b"event: e" + eol + b"data: a" + eol + b"data: b" + eol + eol
    assert parse(stream) == [ServerSentEvent("e", "a\nb")]


def test_mixed_line_endings() -> None:
    events = parse(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r")
    assert [e.data for e in events] == ["a\nb\nc", "d"]


def test_lf_cr_is_two_line_ends() -> None:
    assert one(b"data: a\n\r").data == "a"


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert one(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n").data == "a\nb"


def test_crlf_split_with_empty_chunk_between() -> None:
    assert one(b"data: a\r", b"", b"\ndata: b\r\n\r\n").data == "a\nb"


def test_cr_cr_split_across_chunks_dispatches() -> None:
    assert one(b"data: a\r", b"\r").data == "a"


def test_cr_at_chunk_end_dispatches_without_waiting() -> None:
    # A live stream may pause after "\r\r": the event must not wait for more bytes.
    parser = SSEParser()
    parser.receive_data(b"data: now\r\r")
    assert parser.events() == [ServerSentEvent(data="now")]


def test_skipped_lf_only_applies_right_after_cr() -> None:
    # The LF after "x" is a line end of its own, not part of an earlier CR.
    events = parse(b"data: a\r", b"\r", b"\n", b"data: x\n\n")
    assert [e.data for e in events] == ["a", "x"]


# Byte order mark and decoding


def test_leading_bom_is_stripped() -> None:
    assert one(BOM + b"data: x\n\n").data == "x"


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_bom_split_across_chunks(cut: int) -> None:
    stream = BOM + b"data: x\n\n"
    assert one(stream[:cut], stream[cut:]).data == "x"
    assert one(*(bytes([b]) for b in stream)).data == "x"


def test_only_one_bom_is_stripped() -> None:
    # The second BOM becomes part of the field name, so the field is unknown.
    assert parse(BOM + BOM + b"data: x\n\n") == []


def test_bom_later_in_stream_is_kept() -> None:
    assert one(b"data: \xef\xbb\xbfx\n\n").data == "\ufeffx"
    assert parse(b"\n" + BOM + b"data: x\n\n") == []


def test_partial_bom_is_not_stripped() -> None:
    # b"\xef\xbb" is an invalid sequence: it decodes to U+FFFD, spoiling the field name.
    assert parse(b"\xef\xbb", b"data: x\n\n") == []
    assert one(b"\xef\xbb\ndata: x\n\n").data == "x"


def test_utf8_split_inside_a_character() -> None:
    encoded = "data: h\u00e9llo \u2603 \U0001f600\n\n".encode()
    for cut in range(len(encoded)):
        assert one(encoded[:cut], encoded[cut:]).data == "h\u00e9llo \u2603 \U0001f600"


def test_invalid_utf8_is_replaced() -> None:
    assert one(b"data: a\xffb\xc3\n\n").data == "a\ufffdb\ufffd"
    assert one(b"event: \xed\xa0\x80\ndata: x\n\n").event == "\ufffd\ufffd\ufffd"


# Event IDs


def test_last_event_id_starts_empty_and_event_id_none() -> None:
    parser = SSEParser()
    assert parser.last_event_id == ""
    parser.receive_data(b"data: x\n\n")
    assert parser.events() == [ServerSentEvent(data="x", id=None)]
    assert parser.last_event_id == ""


def test_id_persists_across_events() -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 7\ndata: a\n\ndata: b\n\nid: 8\ndata: c\n\n")
    assert [(e.data, e.id) for e in parser.events()] == [("a", "7"), ("b", "7"), ("c", "8")]
    assert parser.last_event_id == "8"


def test_empty_id_resets() -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 7\ndata: a\n\nid\ndata: b\n\n")
    assert [e.id for e in parser.events()] == ["7", ""]
    assert parser.last_event_id == ""


def test_id_with_nul_is_ignored() -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")
    assert [e.id for e in parser.events()] == ["1", "1"]
    assert parser.last_event_id == "1"


def test_id_takes_effect_at_blank_line_even_without_data() -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 5\n")
    assert parser.last_event_id == ""  # not until the block ends
    parser.receive_data(b"\n")
    assert parser.events() == []
    assert parser.last_event_id == "5"


def test_id_of_discarded_event_is_not_adopted() -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 1\ndata: a\n\nid: 2\ndata: b\n")
    parser.end_of_stream()
    assert [e.id for e in parser.events()] == ["1"]
    assert parser.last_event_id == "1"


# Retry


def test_retry_sets_parser_and_event() -> None:
    parser = SSEParser()
    assert parser.retry is None
    parser.receive_data(b"retry: 3000\ndata: a\n\ndata: b\n\n")
    assert [e.retry for e in parser.events()] == [3000, None]
    assert parser.retry == 3000


def test_retry_takes_effect_immediately_and_without_data() -> None:
    parser = SSEParser()
    parser.receive_data(b"retry: 10\n")
    assert parser.retry == 10
    parser.receive_data(b"\ndata: x\n\n")
    assert parser.events() == [ServerSentEvent(data="x", retry=None)]


@pytest.mark.parametrize(
    "value",
    [b"", b"10ms", b" 10", b"-5", b"+5", b"1.5", b"1e3", b"\xd9\xa1", b"\xc2\xb2", b"0x10"],
)
def test_invalid_retry_is_ignored(value: bytes) -> None:
    parser = SSEParser()
    parser.receive_data(b"retry: 42\n\nretry: " + value + b"\ndata: x\n\n")
    assert parser.events() == [ServerSentEvent(data="x")]
    assert parser.retry == 42


def test_retry_leading_zeros_and_bounds() -> None:
    assert one(b"retry: 0\ndata: x\n\n").retry == 0
    assert one(b"retry: 000123\ndata: x\n\n").retry == 123
    assert one(b"retry: " + b"0" * 5000 + b"7\ndata: x\n\n").retry == 7
    assert one(b"retry: 9223372036854775807\ndata: x\n\n").retry == 2**63 - 1
    # Beyond a 64-bit integer (or int()'s digit limit) the value is no usable delay.
    assert one(b"retry: 9223372036854775808\ndata: x\n\n").retry is None
    assert one(b"retry: " + b"9" * 5000 + b"\ndata: x\n\n").retry is None


def test_last_valid_retry_in_block_wins() -> None:
    assert one(b"retry: 1\nretry: 2\nretry: x\ndata: d\n\n").retry == 2


# End of stream


def test_incomplete_event_is_dropped_at_end_of_stream() -> None:
    assert parse(b"data: a\n\ndata: b\n", eof=True) == [ServerSentEvent(data="a")]
    assert parse(b"data: a\n\ndata: b", eof=True) == [ServerSentEvent(data="a")]
    assert parse(b"data: a", eof=True) == []


def test_events_remain_after_end_of_stream() -> None:
    parser = SSEParser()
    parser.receive_data(b"data: a\n\n")
    parser.end_of_stream()
    assert parser.next_event() == ServerSentEvent(data="a")
    parser.end_of_stream()  # idempotent
    assert parser.next_event() is None


def test_data_after_end_of_stream_is_an_error() -> None:
    parser = SSEParser()
    parser.end_of_stream()
    parser.receive_data(b"")  # nothing is not data
    with pytest.raises(VenueProtocolError, match="after end of stream"):
        parser.receive_data(b"data: x\n\n")


# Limits


def test_line_at_limit_is_accepted() -> None:
    line = b"data: " + b"x" * 94
    assert len(line) == 100
    assert one(line + b"\n\n", max_line_length=100).data == "x" * 94


def test_long_line_in_one_chunk_is_rejected() -> None:
    with pytest.raises(VenueProtocolError, match="line longer than 100 bytes"):
        parse(b"data: ok\n\n" + b"data: " + b"x" * 95 + b"\n\n", max_line_length=100)


def test_long_line_is_rejected_before_its_end_arrives() -> None:
    parser = SSEParser(max_line_length=100)
    parser.receive_data(b"data: ok\n\n")
    parser.receive_data(b"x" * 60)
    with pytest.raises(VenueProtocolError, match="line longer"):
        parser.receive_data(b"x" * 41)
    # What was dispatched before the failure is still there; further input is refused.
    assert parser.events() == [ServerSentEvent(data="ok")]
    with pytest.raises(VenueProtocolError, match="already failed"):
        parser.receive_data(b"\n\n")


def test_long_line_completed_by_a_later_chunk_is_rejected() -> None:
    with pytest.raises(VenueProtocolError, match="line longer"):
        parse(b"x" * 100, b"x\n", max_line_length=100)
    assert parse(b"x" * 50, b"y" * 50 + b"\n", max_line_length=100) == []


def test_comment_lines_are_limited_too() -> None:
    with pytest.raises(VenueProtocolError):
        parse(b":" + b"x" * 100 + b"\n", max_line_length=100)


def test_event_data_at_limit_is_accepted() -> None:
    # Three lines of 3 characters plus the two LFs joining them make 11.
    assert one(b"data: abc\n" * 3 + b"\n", max_event_size=11).data == "abc\nabc\nabc"


def test_event_data_over_limit_is_rejected() -> None:
    with pytest.raises(VenueProtocolError, match="event data longer than 10 characters"):
        parse(b"data: abc\n" * 3 + b"\n", max_event_size=10)


def test_data_limit_counts_each_event_separately() -> None:
    assert len(parse(b"data: abcdefghij\n\n" * 5, max_event_size=10)) == 5


def test_invalid_limits_are_usage_errors() -> None:
    with pytest.raises(CoviaUsageError):
        SSEParser(max_line_length=0)
    with pytest.raises(CoviaUsageError):
        SSEParser(max_event_size=-1)


# The event value


def test_event_defaults_and_immutability() -> None:
    event = ServerSentEvent()
    assert (event.event, event.data, event.id, event.retry) == ("message", "", None, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.data = "x"  # type: ignore[misc]


def test_json_parses_data() -> None:
    event = one(b'event: job-update\ndata: {"id": "ab",\ndata:  "status": "DONE"}\n\n')
    assert event.json() == {"id": "ab", "status": "DONE"}


@pytest.mark.parametrize("data", ["", "{", "nope", "[1,]", "[" * 100_000])
def test_malformed_json_names_the_event(data: str) -> None:
    event = ServerSentEvent("job-update", data, id="42")
    with pytest.raises(VenueProtocolError, match=r"event 'job-update' \(id '42'\)") as info:
        event.json()
    assert info.value.__cause__ is None  # nothing from json leaks out


JSON_TEXTS = [
    '{"a": [1, 2.5, "x"]}',
    ' {"a": 1}',  # whitespace around the value
    '{"a": 1}\n\t ',
    "\ufeff{}",  # a byte order mark
    "[1] [2]",  # more than one value
    "1 x",
    "NaN",
    "-Infinity",
    "-",
    "tru",
    '"\\ud800"',
    '{"a": "\x01"}',  # a control character in a string
    "0",
    "01",
]


@pytest.mark.parametrize("data", JSON_TEXTS)
def test_json_gives_the_value_or_the_error_json_loads_gives(data: str) -> None:
    # Parsed through json's scanner directly: nothing json.loads takes or refuses differs.
    event = ServerSentEvent("job-update", data)
    refusal: str | None = None
    try:
        expected = json.loads(data)
    except ValueError as exc:
        refusal = f"does not carry valid JSON: {exc}"
    if refusal is not None:
        with pytest.raises(VenueProtocolError) as info:
            event.json()
        assert info.value.message.endswith(refusal)
    else:
        value = event.json()
        assert value == expected or (value != value and expected != expected)  # NaN


# Property tests

# Bytes worth mixing into random streams: the syntax, line ends, BOMs, bad UTF-8.
TOKENS = [
    b"data",
    b"event",
    b"id",
    b"retry",
    b"foo",
    b":",
    b": ",
    b" ",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"123",
    BOM,
    b"\xef",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x98",
]

field_names = st.sampled_from(["data", "event", "id", "retry", "foo", "", "Data", "data "])
values = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12),
    st.integers(0, 10**6).map(str),
)


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["field", "field", "field", "bare", "comment", "blank"]))
    if kind == "blank":
        return ""
    if kind == "bare":
        return draw(field_names)
    value = draw(values)
    if kind == "comment":
        return ":" + value
    return draw(field_names) + ":" + draw(st.sampled_from(["", " ", "  "])) + value


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    parts = [BOM] if draw(st.booleans()) else []
    for line in draw(st.lists(lines(), max_size=25)):
        parts.append(line.encode())
        parts.append(draw(st.sampled_from([b"\n", b"\r", b"\r\n"])))
    if draw(st.booleans()):  # sometimes end inside a line
        parts.append(draw(values).encode())
    return b"".join(parts)


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def run(chunks: list[bytes]) -> tuple[list[ServerSentEvent], str, int | None]:
    parser = SSEParser()
    for chunk in chunks:
        parser.receive_data(chunk)
    parser.end_of_stream()
    return parser.events(), parser.last_event_id, parser.retry


def reference(stream: bytes) -> tuple[list[ServerSentEvent], str, int | None]:
    """The standard's algorithm, transcribed as plainly as possible for comparison."""
    text = stream.removeprefix(BOM).decode("utf-8", "replace")
    *complete, _unterminated = re.split(r"\r\n|\r|\n", text)
    events: list[ServerSentEvent] = []
    data, kind, id_buffer, last_id = "", "", None, None
    block_retry: int | None = None
    retry: int | None = None
    for line in complete:
        if line == "":
            last_id = id_buffer
            if data:
                events.append(ServerSentEvent(kind or "message", data[:-1], last_id, block_retry))
            data, kind, block_retry = "", "", None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data += value + "\n"
        elif name == "event":
            kind = value
        elif name == "id" and re.fullmatch("[\t\x20-\x7e\x80-\xff]*", value):
            id_buffer = value  # the standard's NUL rule, widened to all HTTP cannot carry
        elif name == "retry" and re.fullmatch("[0-9]+", value) and int(value) < 2**63:
            retry = block_retry = int(value)
    return events, last_id or "", retry


@settings(max_examples=300, deadline=None)
@given(stream=streams(), cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_split_invariance(stream: bytes, cuts: list[int]) -> None:
    whole = run([stream])
    assert whole == reference(stream)
    assert run([bytes([b]) for b in stream]) == whole
    assert run(split_at(stream, cuts)) == whole


@st.composite
def venue_like_streams(draw: st.DrawFn) -> bytes:
    """Mostly the blocks venues send (an ``event`` line or none, one ``data`` line, a
    blank line), which the parser cuts out whole, with other lines among them, which
    it reads line by line: both ways must give the standard's events."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["typed", "typed", "data", "data", "line", "blank"]))
        data = "data: " + draw(values)
        if kind == "typed":
            parts.append("event: " + draw(values) + "\n" + data + "\n\n")
        elif kind == "data":
            parts.append(data + "\n\n")
        elif kind == "line":
            parts.append(draw(lines()) + "\n")
        else:
            parts.append("\n")
    line_end = draw(st.sampled_from(["\n", "\r", "\r\n"]))
    return "".join(parts).replace("\n", line_end).encode()


@st.composite
def alike_runs(draw: st.DrawFn) -> bytes:
    """Long runs of blocks of one shape (the same ``event`` line or none, one ``data``
    line, a blank line), cut out at once, sometimes with one line or block that breaks
    the shape somewhere, and sometimes ending in the middle of a block."""
    head = "event: " + draw(values) + "\n" if draw(st.booleans()) else ""
    pad = "x" * draw(st.sampled_from([0, 40, 120]))
    blocks = [
        head + "data: " + pad + draw(values) + "\n\n" for _ in range(draw(st.integers(0, 80)))
    ]
    if draw(st.booleans()) and blocks:
        odd = draw(
            st.one_of(
                lines().map(lambda line: line + "\n"),
                values.map(lambda v: "event: " + v + "\ndata: " + pad + "\n\n"),
                values.map(lambda v: head + "data: a\ndata: " + v + "\n\n"),
                values.map(lambda v: head + "data:" + v + "\n\n"),
                values.map(lambda v: "id: " + v + "\n" + head + "data: " + v + "\n\n"),
                st.just(head + "\n"),
            )
        )
        blocks.insert(draw(st.integers(0, len(blocks))), odd)
    text = "".join(blocks)
    if draw(st.booleans()):
        text += head + "data: " + draw(values) + "\n"[: draw(st.integers(0, 1))]
    line_end = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return text.replace("\n", line_end).encode()


@settings(max_examples=400, deadline=None)
@given(
    stream=st.one_of(venue_like_streams(), alike_runs()),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_venue_shaped_blocks_give_the_standards_events(stream: bytes, cuts: list[int]) -> None:
    # alike_runs: long runs of one shape, which the parser cuts out at once.
    whole = run([stream])
    assert whole == reference(stream)
    assert run(split_at(stream, cuts)) == whole


def test_a_whole_block_over_the_data_limit_fails_as_line_by_line() -> None:
    for stream in (b"event: x\ndata: 123456789\n\n", b"data: 123456789\n\n"):
        for cut in (len(stream), len(stream) - 1):  # the block whole, or its end later
            parser = SSEParser(max_event_size=8)

            def feed(parser: SSEParser = parser, cut: int = cut, stream: bytes = stream) -> None:
                parser.receive_data(stream[:cut])
                parser.receive_data(stream[cut:])

            with pytest.raises(VenueProtocolError, match="event data longer than 8 characters"):
                feed()


@settings(max_examples=300, deadline=None)
@given(
    stream=st.one_of(
        st.binary(max_size=300),
        st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join),
    ),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
    max_line_length=st.sampled_from([1, 8, 1 << 20]),
    max_event_size=st.sampled_from([0, 8, 16 << 20]),
)
def test_arbitrary_bytes_raise_only_covia_errors(
    stream: bytes, cuts: list[int], max_line_length: int, max_event_size: int
) -> None:
    parser = SSEParser(max_line_length=max_line_length, max_event_size=max_event_size)
    try:
        for chunk in split_at(stream, cuts):
            parser.receive_data(chunk)
        parser.end_of_stream()
    except CoviaError:
        pass
    for event in parser.events():
        assert isinstance(event.data, str)
        with contextlib.suppress(CoviaError):
            event.json()


def test_end_of_stream_says_whether_an_event_was_cut_off() -> None:
    clean = SSEParser()
    clean.receive_data(b"event: job-update\ndata: {}\n\n")
    assert clean.end_of_stream() is False
    cut = SSEParser()
    cut.receive_data(b'event: job-update\ndata: {}\n\nevent: job-update\ndata: {"id"')
    assert cut.end_of_stream() is True
    assert [e.event for e in cut.events()] == ["job-update"]
    comment_only = SSEParser()
    comment_only.receive_data(b": keep-alive\n")
    assert comment_only.end_of_stream() is False


def test_event_json_refuses_nesting_deeper_than_the_limit() -> None:
    from covia_proto.limits import Limits, applied_limits

    event = ServerSentEvent("job-update", '{"a":[{"b":1}]}', id="7")  # depth 3
    assert event.json() == {"a": [{"b": 1}]}
    assert event.json(max_depth=3) == {"a": [{"b": 1}]}
    with pytest.raises(VenueProtocolError, match=r"'job-update' \(id '7'\).*max_json_depth is 2"):
        event.json(max_depth=2)
    with applied_limits(Limits(max_json_depth=2)), pytest.raises(VenueProtocolError):
        event.json()


@pytest.mark.parametrize("bad", ["a\0b", "\u2603", "a\x1bb", "a\x7fb", "\U0001f600"])
def test_an_id_that_could_not_go_back_as_last_event_id_is_ignored(bad: str) -> None:
    parser = SSEParser()
    parser.receive_data(b"id: 7\ndata: a\n\n" + f"id: {bad}\ndata: b\n\n".encode())
    events = parser.events()
    assert [e.id for e in events] == ["7", "7"]  # the previous id stays in force
    assert parser.last_event_id == "7"


def test_an_id_with_latin_1_and_tabs_is_kept() -> None:
    event = one("id: caf\xe9\tx\ndata: a\n\n".encode())
    assert event.id == "caf\xe9\tx"


def test_event_json_packed_to_blow_up_in_memory_is_refused() -> None:
    event = ServerSentEvent("job-update", "[" + "{}," * 300_000 + "{}]")
    with pytest.raises(VenueProtocolError, match="times its size"):
        event.json()


# Decoding once


def test_the_value_decoded_by_the_sdk_is_handed_to_the_first_json_call_only() -> None:
    from covia_proto.limits import DEFAULT_LIMITS
    from covia_proto.sse import decode_data, decode_shared

    event = ServerSentEvent("job-update", '{"a": [1]}')
    shared = decode_shared(event, DEFAULT_LIMITS)
    assert decode_data(event, DEFAULT_LIMITS) is not shared  # the core's own copy
    first = event.json()
    assert first is shared
    first["a"].append(2)  # the user's to change
    assert event.json() == {"a": [1]}  # later calls decode again
    assert event.json() is not first
    assert event == ServerSentEvent("job-update", '{"a": [1]}')  # the cache is no field


def test_a_value_decoded_under_looser_limits_is_checked_again() -> None:
    from covia_proto.limits import Limits, applied_limits
    from covia_proto.sse import decode_shared

    event = ServerSentEvent("job-update", '{"a":[{"b":1}]}', id="7")  # depth 3
    decode_shared(event, Limits(max_json_depth=3))
    with pytest.raises(VenueProtocolError, match="max_json_depth is 2"):
        event.json(max_depth=2)
    decode_shared(event, Limits(max_json_depth=3))
    with applied_limits(Limits(max_json_depth=2)), pytest.raises(VenueProtocolError):
        event.json()


def test_an_event_holding_a_decoded_value_pickles() -> None:
    import pickle

    from covia_proto.limits import DEFAULT_LIMITS
    from covia_proto.sse import decode_shared

    event = ServerSentEvent("job-update", '{"a": 1}', id="3")
    decode_shared(event, DEFAULT_LIMITS)
    copy = pickle.loads(pickle.dumps(event))
    assert copy == event
    assert copy.json() == {"a": 1}
    assert copy.json() == {"a": 1}


def test_events_cut_out_whole_are_ordinary_events() -> None:
    parser = SSEParser()
    parser.receive_data(b'id: 7\n\nevent: job-update\ndata: {"a": 1}\n\ndata: x\n\n')
    made = parser.events()
    assert made == [
        ServerSentEvent("job-update", '{"a": 1}', "7", None),
        ServerSentEvent("message", "x", "7", None),
    ]
    first = made[0]
    assert hash(first) == hash(ServerSentEvent("job-update", '{"a": 1}', "7"))
    assert repr(first) == repr(ServerSentEvent("job-update", '{"a": 1}', "7"))
    assert pickle.loads(pickle.dumps(first)) == first
    assert first.json() == {"a": 1}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.data = "changed"  # type: ignore[misc]


def test_a_run_of_alike_blocks_is_cut_out_at_once_as_ordinary_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken: list[bool] = []
    cut_uniform = SSEParser._cut_uniform

    def spy(parser: SSEParser, text: str, pos: int) -> bool:
        taken.append(cut_uniform(parser, text, pos))
        return taken[-1]

    monkeypatch.setattr(SSEParser, "_cut_uniform", spy)
    typed = b"".join(b'event: job-update\ndata: {"n": %d}\n\n' % n for n in range(200))
    plain = b"".join(b"data: %d\n\n" % n for n in range(300))
    for stream, kind, datas in (
        (typed, "job-update", [f'{{"n": {n}}}' for n in range(200)]),
        (plain, "message", [str(n) for n in range(300)]),
    ):
        parser = SSEParser()
        parser.receive_data(b"id: 7\n\n")
        taken.clear()
        parser.receive_data(stream)
        assert taken == [True]
        made = parser.events()
        assert made == [ServerSentEvent(kind, data, "7", None) for data in datas]
        assert parser.last_event_id == "7"
        assert pickle.loads(pickle.dumps(made[-1])) == made[-1]
        assert made[-1].json() == json.loads(datas[-1])
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made[0].data = "changed"  # type: ignore[misc]


def test_a_long_line_begun_after_a_run_is_kept_for_the_next_read() -> None:
    for begun in (b"data: " + b"x" * 5000 + b"\n", b"event: " + b"x" * 5000 + b"\n"):
        chunks = [b"data: 1\n\n", begun, b"data: 2\n\n"]
        assert run(chunks) == run([b"".join(chunks)]) == reference(b"".join(chunks))


@settings(max_examples=300, deadline=None)
@given(
    stream=st.one_of(streams(), venue_like_streams(), alike_runs()),
    cuts=st.lists(st.integers(min_value=0), max_size=6),
    max_event_size=st.sampled_from([0, 8, 16 << 20]),
)
def test_the_cut_of_alike_blocks_tried_on_any_text_changes_nothing(
    stream: bytes, cuts: list[int], max_event_size: int
) -> None:
    def outcome(chunks: list[bytes]) -> tuple[object, ...]:
        parser = SSEParser(max_event_size=max_event_size)
        try:
            for chunk in chunks:
                parser.receive_data(chunk)
        except VenueProtocolError as exc:
            return str(exc), parser.events()
        parser.end_of_stream()
        return parser.events(), parser.last_event_id, parser.retry

    usual = outcome(split_at(stream, cuts))
    with mock.patch.object(sse, "_UNIFORM_FROM", 1):  # tried on every text, however short
        assert outcome(split_at(stream, cuts)) == usual


def test_data_over_the_limit_in_a_run_of_alike_blocks_fails_at_that_event() -> None:
    blocks = [b"event: job-update\ndata: %d\n\n" % n for n in range(100)]
    blocks[60] = b"event: job-update\ndata: " + b"9" * 20 + b"\n\n"
    parser = SSEParser(max_event_size=10)
    with pytest.raises(VenueProtocolError, match="event data longer than 10 characters"):
        parser.receive_data(b"".join(blocks))
    assert [event.data for event in parser.events()] == [str(n) for n in range(60)]


@pytest.mark.parametrize("accelerated", [True, False], ids=["msgspec", "json module"])
def test_decode_shared_all_decodes_the_events_of_one_kind_and_never_raises(
    accelerated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from covia_proto import _fast_json
    from covia_proto.limits import Limits
    from covia_proto.sse import UNDECODED, decode_shared_all

    if not accelerated:
        monkeypatch.setattr(_fast_json, "decoder", None)
    limits = Limits(max_json_depth=30)  # texts of 61 characters or more are checked first
    events = [
        ServerSentEvent("job-update", '{"id": "0x01", "n": 12345678901234567890123}'),
        ServerSentEvent("message", '{"a": 1}'),  # another kind: left alone
        ServerSentEvent("job-update", "{not json"),  # decode_shared will say why
        ServerSentEvent("job-update", "[" * 31 + "]" * 31),  # too deep: decode_shared says so
        ServerSentEvent("job-update", "NaN"),  # msgspec refuses; decode_shared accepts
    ]
    values = decode_shared_all(events, limits, "job-update")
    assert values[0] == {"id": "0x01", "n": 12345678901234567890123}
    assert values[1:4] == [UNDECODED] * 3
    assert values[4] is UNDECODED if accelerated else values[4] != values[4]
    first = events[0].json()
    assert first is values[0]  # handed to the first json() call, not decoded again
    assert events[0].json() == first
    assert events[0].json() is not first
    assert events[1].json() == {"a": 1}
    with pytest.raises(VenueProtocolError, match="does not carry valid JSON"):
        events[2].json()
