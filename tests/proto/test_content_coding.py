"""``covia_proto._content_coding``: gzip and deflate undone however the bytes are split, never
more than a chunk of output at once (a bomb stays compressed until asked for), and
corrupt data refused as the venue's fault."""

from __future__ import annotations

import gzip
import zlib

import pytest

from covia_proto._content_coding import ContentDecoder, decoder_for
from covia_proto.errors import VenueProtocolError

DATA = b"".join(b"line %d of the body\n" % i for i in range(20_000))


def _decode_all(decoder: ContentDecoder, encoded: bytes, piece: int) -> list[bytes]:
    out = []
    for start in range(0, len(encoded), piece):
        out.append(decoder.decode(encoded[start : start + piece]))
        while decoder.pending:
            out.append(decoder.drain())
    return out


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(DATA)),
        ("x-gzip", gzip.compress(DATA)),
        ("deflate", zlib.compress(DATA)),
        ("deflate", zlib.compress(DATA)[2:-4]),  # raw deflate
    ],
)
@pytest.mark.parametrize("piece", [1, 7, 1 << 20])
def test_decoded_whole_however_split(coding: str, encoded: bytes, piece: int) -> None:
    decoder = decoder_for((("Content-Encoding", f" {coding.upper()} "),))
    assert decoder is not None
    assert b"".join(_decode_all(decoder, encoded, piece)) == DATA


@pytest.mark.parametrize("value", [None, "identity", "br", "gzip, br"])
def test_no_decoder_for_no_coding_or_one_left_to_the_caller(value: str | None) -> None:
    headers = (("Content-Type", "text/plain"),) + ((("Content-Encoding", value),) if value else ())
    assert decoder_for(headers) is None


def test_a_bomb_gives_out_one_chunk_at_a_time() -> None:
    bomb = gzip.compress(b"\0" * (64 << 20))  # 64 MiB from about 64 KiB
    decoder = ContentDecoder("gzip", max_chunk=4096)
    first = decoder.decode(bomb)
    assert len(first) == 4096
    assert decoder.pending  # the rest waits, compressed
    assert len(decoder.drain()) == 4096


def test_corrupt_data_is_a_protocol_error() -> None:
    decoder = ContentDecoder("gzip")
    with pytest.raises(VenueProtocolError, match="not valid gzip data"):
        decoder.decode(b"\x1f\x8bnot gzip at all, not at all")
