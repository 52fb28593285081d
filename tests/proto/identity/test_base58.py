from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError
from covia_proto.identity._base58 import (
    b58decode,
    b58encode,
    multibase_decode,
    multibase_encode,
)


def test_known_vectors() -> None:
    # From the base58btc draft (draft-msporny-base58).
    assert b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert b58encode(b"\0\0\x28\x7f\xb4\xcd") == "11233QC4"
    assert b58decode("2NEpo7TZRRrLZSi2U") == b"Hello World!"
    assert b58encode(b"") == ""


@given(st.binary(max_size=80))
def test_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    assert multibase_decode(multibase_encode(data)) == data


@pytest.mark.parametrize("text", ["0abc", "Oops", "Il", "abc+"])
def test_characters_outside_the_alphabet_are_named(text: str) -> None:
    with pytest.raises(CoviaUsageError, match="not a base58btc character"):
        b58decode(text)


def test_only_base58btc_multibase_is_read() -> None:
    with pytest.raises(CoviaUsageError, match="start with 'z'"):
        multibase_decode("f00ff")
    with pytest.raises(CoviaUsageError, match="too long"):
        b58decode("2" * 10_000)
