"""Reading JSON as the venue reads asset metadata (Convex 0.8.5 JSONReader)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError
from covia_proto.venue_json import MetadataJsonError, read_json


def test_numbers_keep_their_convex_type():
    value = read_json('{"i":1,"d":1.0,"z":-0,"nz":-0.0,"e":1E2,"big":18446744073709551616}')
    assert value == {"i": 1, "d": 1.0, "z": 0, "nz": -0.0, "e": 100.0, "big": 2**64}
    assert [type(value[k]) for k in ("i", "d", "z", "nz", "e", "big")] == [
        int,
        float,
        int,
        float,
        float,
        int,
    ]
    assert math.copysign(1, value["nz"]) == -1


def test_a_double_overflowing_is_infinity():
    assert read_json('{"a":1e400,"b":-1e400,"c":1e-400}') == {
        "a": math.inf,
        "b": -math.inf,
        "c": 0.0,
    }


def test_integers_of_any_length_up_to_4096_bytes():
    digits = "9" * 9000  # beyond Python's own 4300-digit conversion limit
    value = read_json('{"n":' + digits + "}")["n"]
    assert isinstance(value, int)
    assert value.bit_length() > 29000
    assert read_json('{"n":-' + digits + "}")["n"] == -value


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("9" * 9870, math.inf), ("-" + "9" * 9870, -math.inf), ("9" * 100_000, math.inf)],
)
def test_integers_beyond_4096_bytes_are_infinite_doubles(literal, expected):
    assert read_json('{"n":' + literal + "}") == {"n": expected}


def test_fraction_literals_of_19_characters_are_refused_as_the_venue_fails_on_them():
    assert read_json('{"n":0.1234567890123456}') == {"n": 0.1234567890123456}  # 18
    with pytest.raises(MetadataJsonError, match=r"0\.30000000000000004"):
        read_json('{"n":0.30000000000000004}')


def test_the_last_duplicate_key_wins():
    assert read_json('{"a":1,"b":2,"a":3}') == {"a": 3, "b": 2}


def test_invalid_utf8_becomes_replacement_characters_counted_as_java_counts_them():
    assert read_json(b'["a\xffb"]') == ["a\ufffdb"]
    assert read_json(b'["\xc0\xaf"]') == ["\ufffd\ufffd"]
    # An encoded surrogate is one malformed sequence to Java, three to Python.
    assert read_json(b'["\xed\xa0\x80|\xed\xbf|\xed\xa0"]') == ["\ufffd|\ufffd|\ufffd"]


def test_escapes_and_astral_characters():
    assert read_json('["\\ud83d\\ude00\\/", "𝄞"]') == ["😀/", "𝄞"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{'a':1}",
        '{"a":1,}',
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":01}',
        '{"a":.5}',
        '{"a":1} // comment',
        "\ufeff{}",
        '{"a":"\x01"}',
        "[" * 100_000,
    ],
)
def test_text_the_venue_cannot_read_is_refused(text):
    with pytest.raises(MetadataJsonError) as caught:
        read_json(text)
    assert isinstance(caught.value, CoviaUsageError)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=20))
def test_round_trips_plain_json(value):
    assert read_json(json.dumps(value)) == value
