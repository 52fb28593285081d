"""Tests of covia_proto.chunked: the chunked transfer coding decoded as bytes in, data
out; the same data and the same verdict however the bytes are split, and h11's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.chunked import DEFAULT_MAX_LINE, ChunkedDecoder

# The chunked bodies and h11's reading of them that test the trio driver's connection,
# which reads with this decoder too.
from tests.proto.test_h11conn import CHUNKED_HEAD, chunked_wire, h11_reference, split_at

EVENTS = [f'event: job-update\ndata: {{"n": {n}}}\n\n'.encode() for n in range(40)]


def framed(pieces: list[bytes], *, extension: bytes = b"", trailer: bytes = b"") -> bytes:
    """``pieces`` as a chunked body, one chunk each."""
    chunks = [b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces]
    return b"".join(chunks) + b"0\r\n" + trailer + b"\r\n"


def splits(wire: bytes, step: int) -> list[bytes]:
    return [wire[i : i + step] for i in range(0, len(wire), step)]


Verdict = tuple[bytes, bool, str | None, bool, str]


def decode(pieces: list[bytes], max_line: int = DEFAULT_MAX_LINE) -> Verdict:
    """Feed ``pieces``, taking the data after each: (data, ended, failure, extra,
    missing)."""
    decoder = ChunkedDecoder(max_line)
    data = b""
    for piece in pieces:
        decoder.feed(piece)
        assert all(decoder.pieces), "pieces are never empty"
        data += decoder.take()
        assert decoder.pieces == []
    return data, decoder.ended, decoder.failure, decoder.extra, decoder.missing()


# -- reading ------------------------------------------------------------------------------


def test_every_chunk_that_has_arrived_is_cut_out_at_once():
    decoder = ChunkedDecoder()
    decoder.feed(framed(EVENTS))
    assert decoder.pieces == EVENTS  # one piece a chunk, each as it was sent
    assert decoder.take() == b"".join(EVENTS)
    assert decoder.take() == b""
    assert decoder.ended
    assert not decoder.extra
    assert decoder.failure is None


def test_a_read_that_is_all_data_is_handed_on_as_it_is():
    decoder = ChunkedDecoder()
    decoder.feed(b"a\r\nhel")
    assert decoder.take() == b"hel"
    data = b"lo worl"
    decoder.feed(data)
    assert decoder.take() is data  # no copy, no view
    decoder.feed(b"\r\n3\r\nabc\r\n2\r\nde\r\n")
    assert decoder.take() == b"abcde"  # the rest of a chunk, then whole ones, joined once
    assert not decoder.ended


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64, 333])
def test_the_framing_may_be_split_anywhere(step):
    wire = framed(EVENTS, extension=b";name=value", trailer=b"X-Trailer: yes\r\n")
    assert decode(splits(wire, step)) == (
        b"".join(EVENTS),
        True,
        None,
        False,
        "before its last chunk",
    )


BODY = (
    b"5\r\nhello\r\n1;name=value\r\n \r\nA  \r\n0123456789\r\n"
    b"0\r\nX-Trailer: t\r\n  folded on\r\n\r\n"
)


@pytest.mark.parametrize("at", range(len(BODY) + 1))
def test_extensions_blanks_and_trailers_are_read_as_h11_reads_them(at):
    assert decode([BODY[:at], BODY[at:]]) == (
        b"hello 0123456789",
        True,
        None,
        False,
        "before its last chunk",
    )


def test_bytes_past_the_end_are_marked_and_not_read():
    data, ended, failure, extra, _ = decode([framed(EVENTS[:2]) + b"HTTP/1.1 200 OK\r\n"])
    assert (data, ended, failure, extra) == (EVENTS[0] + EVENTS[1], True, None, True)
    assert decode([framed(EVENTS[:2]), b"x"])[1:4] == (True, None, True)


@pytest.mark.parametrize(
    ("wire", "missing"),
    [
        (b"", "before its last chunk"),
        (b"5\r\nhe", "mid-chunk"),
        (b"5\r\nhello", "mid-chunk"),
        (b"5\r\nhello\r", "mid-chunk"),
        (b"5\r\nhello\r\n", "before its last chunk"),
        (b"5\r\nhello\r\n3", "before its last chunk"),
        (b"0\r\n", "before its last chunk"),
        (b"0\r\nX-A: b", "before its last chunk"),
    ],
)
def test_a_body_not_yet_ended_says_what_is_missing(wire, missing):
    for pieces in ([wire], splits(wire, 1)):
        _, ended, failure, _, said = decode(pieces)
        assert (ended, failure, said) == (False, None, missing)


# -- refusing -----------------------------------------------------------------------------

MALFORMED = [
    (b"zz\r\n", "illegal chunk header: b'zz\\r\\n'"),
    (b"-3\r\nabc\r\n", "illegal chunk header"),
    (b"+3\r\nabc\r\n", "illegal chunk header"),
    (b"0x3\r\nabc\r\n", "illegal chunk header"),
    (b"1_0\r\n", "illegal chunk header"),
    (b" 3\r\nabc\r\n", "illegal chunk header"),
    (b"\r\n", "illegal chunk header: b'\\r\\n'"),
    (b"\n", "illegal chunk header"),
    (b"5\nworld\r\n", "illegal chunk header"),
    (b"5\r\r\nworld\r\n", "illegal chunk header"),
    (b"1" * 21 + b"\r\n", "illegal chunk header"),
    (b"3\r\nabcX\r\n", "malformed chunk footer: b'X' (expected b'\\r\\n')"),
    (b"3\r\nabc\rX", "malformed chunk footer: b'\\rX' (expected b'\\r\\n')"),
    (b"3\r\nabc\n", "malformed chunk footer: b'\\n'"),
    (b"0\r\nno colon\r\n\r\n", "illegal trailer line: b'no colon\\r\\n'"),
    (b"0\r\n folded first\r\n\r\n", "illegal trailer line"),
    (b"0\r\nBad Name: x\r\n\r\n", "illegal trailer line"),
    (b"1" * 200, "chunk header or trailer line over 128 bytes"),
    (b"3;" + b"e" * 200 + b"\r\nabc\r\n", "chunk header or trailer line over 128 bytes"),
    (b"0\r\n" + b"X-A: b\r\n" * 20, "trailer over 128 bytes"),
]


@pytest.mark.parametrize(("wire", "failure"), MALFORMED)
@pytest.mark.parametrize("step", [1, 2, 5, 1000])
def test_a_malformed_framing_fails_after_the_good_data(wire, failure, step):
    pieces = splits(b"5\r\nhello\r\n" + wire + b"0\r\n\r\n", step)
    data, ended, said, _, _ = decode(pieces, max_line=128)
    # What came before the failure is handed over, as h11 does: a chunk's data comes
    # before its footer is seen.
    assert data == (b"helloabc" if "footer" in failure else b"hello")
    assert not ended
    assert said is not None
    assert said.startswith(failure)


def test_nothing_is_read_after_a_failure():
    decoder = ChunkedDecoder()
    decoder.feed(b"2\r\nokzz\r\n")
    failure = decoder.failure
    assert failure is not None
    assert decoder.take() == b"ok"
    decoder.feed(b"3\r\nabc\r\n0\r\n\r\n")
    assert (decoder.take(), decoder.ended, decoder.failure) == (b"", False, failure)


def test_the_fast_path_keeps_to_the_line_bound():
    # Under a bound shorter than a plain size line, whole chunks still obey it.
    assert decode([b"1234\r\n" + b"x" * 0x1234 + b"\r\n0\r\n\r\n"], max_line=5)[2] == (
        "chunk header or trailer line over 5 bytes"
    )
    assert decode([b"123\r\n" + b"x" * 0x123 + b"\r\n0\r\n\r\n"], max_line=5)[1] is True


# -- properties ---------------------------------------------------------------------------


@given(wire=chunked_wire, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_any_split_gives_the_same_data_and_verdict(wire, cuts):
    whole = decode([wire])
    assert decode(split_at(wire, cuts)) == whole
    assert decode(splits(wire, 1)) == whole


@given(wire=chunked_wire, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_any_split_gives_the_same_verdict_under_a_small_line_bound(wire, cuts):
    assert decode(split_at(wire, cuts), max_line=12) == decode([wire], max_line=12)


@given(wire=chunked_wire)
def test_the_data_and_verdict_are_h11s(wire):
    data, ended, _, _, _ = decode([wire])
    # h11 is told of the close: a body that has not ended is refused, as a failure is.
    assert h11_reference(CHUNKED_HEAD + wire, close=True) == (data, "end" if ended else "error")
