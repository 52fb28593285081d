"""Tests of hex id parsing: bare or 0x, any case, always held as lower-case bare hex."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.hexid import is_hex_id, normalize_hex, parse_hex

JOB = "0195a1b2c3d40000a1b2c3d4e5f60718"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (JOB, JOB),
        ("0x" + JOB, JOB),
        ("0X" + JOB.upper(), JOB),
        (JOB.upper(), JOB),
        ("0xAbCd", "abcd"),
        ("00", "00"),
        ("0x00", "00"),
        ("abc", None),  # odd length
        ("0xabc", None),
        ("0x", None),
        ("", None),
        ("xyz", None),
        ("0xzz", None),
        ("ab cd", None),
        (" abcd", None),
        ("abcd\n", None),
        ("v/test/ops/echo", None),
        ("\uff10\uff10", None),  # full-width digits are not hex
    ],
)
def test_parse_hex(text: str, expected: str | None) -> None:
    assert parse_hex(text) == expected
    assert is_hex_id(text) is (expected is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0xDEADBEEF", "deadbeef"),
        ("w/data", "w/data"),
        ("did:web:venue.example/a/AB", "did:web:venue.example/a/AB"),
        ("abc", "abc"),
    ],
)
def test_normalize_hex(text: str, expected: str) -> None:
    assert normalize_hex(text) == expected


@given(st.binary(min_size=1, max_size=40), st.sampled_from(["", "0x", "0X"]), st.booleans())
def test_any_rendering_of_bytes_normalises_to_lower_bare(
    raw: bytes, prefix: str, upper: bool
) -> None:
    text = raw.hex().upper() if upper else raw.hex()
    assert parse_hex(prefix + text) == raw.hex()
    assert normalize_hex(prefix + text) == raw.hex()


@given(st.text(max_size=20))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_hex(text)
    assert normalize_hex(once) == once
