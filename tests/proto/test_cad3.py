"""The CAD3 encoder: exact bytes for each form Convex 0.8.5 writes. Agreement with the
real venue on whole documents is checked in test_asset_id.py."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto import _cad3 as cad3
from covia_proto.errors import CoviaUsageError


def sha3(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def ref(encoding: bytes) -> bytes:
    return b"\x20" + sha3(encoding)


def test_the_specification_examples():
    assert cad3.encode(19).hex() == "1113"
    assert cad3.encode([101, "Hello", frozenset()]).hex() == "80031165300548656c6c6f8300"


@pytest.mark.parametrize(
    ("value", "encoding"),
    [
        (None, "00"),
        (True, "b1"),
        (False, "b0"),
        (0, "10"),
        (1, "1101"),
        (-1, "11ff"),
        (127, "117f"),
        (128, "120080"),
        (-128, "1180"),
        (-129, "12ff7f"),
        (2**63 - 1, "187fffffffffffffff"),
        (-(2**63), "188000000000000000"),
        (2**63, "1909008000000000000000"),
        (-(2**63) - 1, "1909ff7fffffffffffffff"),
        (1.0, "1d3ff0000000000000"),
        (-0.0, "1d8000000000000000"),
        (0.0, "1d0000000000000000"),
        (math.inf, "1d7ff0000000000000"),
        (math.nan, "1d7ff8000000000000"),
        ("", "3000"),
        ("é", "3002c3a9"),
        ("\ud800", "30013f"),  # a lone surrogate is written as "?"
        (b"\x01\x02", "31020102"),
        ([], "8000"),
        ({}, "8200"),
        (set(), "8300"),
        ((1, 2), "800211011102"),
    ],
)
def test_single_values(value, encoding):
    assert cad3.encode(value).hex() == encoding


def test_integers_beyond_4096_bytes_are_read_as_infinite_doubles():
    assert cad3.encode(2**32767 - 1) == b"\x19\xa0\x00\x7f" + b"\xff" * 4095
    assert cad3.encode(2**32767) == cad3.encode(math.inf)
    assert cad3.encode(-(2**32767)) == b"\x19\xa0\x00\x80" + bytes(4095)
    assert cad3.encode(-(2**32767) - 1) == cad3.encode(-math.inf)


def test_bool_is_not_integer():
    assert cad3.encode(True) != cad3.encode(1)
    assert cad3.encode([True]) == b"\x80\x01\xb1"


def test_one_and_one_point_zero_differ():
    assert cad3.value_id({"n": 1}) != cad3.value_id({"n": 1.0})


def test_children_up_to_140_bytes_are_embedded_and_larger_ones_referenced():
    small = "x" * 137  # 1 tag + 2 count + 137 = 140 bytes
    large = "x" * 138
    assert cad3.encode([small]) == b"\x80\x01" + cad3.encode(small)
    assert cad3.encode([large]) == b"\x80\x01" + ref(cad3.encode(large))
    assert len(cad3.encode(small)) == cad3.MAX_EMBEDDED_LENGTH


def test_the_top_cell_is_hashed_whatever_its_size():
    assert cad3.value_id("a") == sha3(b"\x30\x01a")


def test_vlq_counts():
    assert cad3.encode("a" * 127)[:2] == b"\x30\x7f"
    assert cad3.encode("a" * 128)[:3] == b"\x30\x81\x00"
    assert cad3.encode("a" * 4096)[:3] == b"\x30\xa0\x00"


def test_a_string_over_4096_bytes_is_a_tree_of_blob_chunks():
    text = "a" * 4096 + "b"
    first = b"\x31\xa0\x00" + b"a" * 4096
    last = b"\x31\x01b"  # small enough to embed
    assert cad3.encode(text) == b"\x30\xa0\x01" + ref(first) + last


def test_a_blob_of_seventeen_chunks_has_a_level_above_the_chunks():
    data = bytes(16 * 4096 + 1)
    chunk = b"\x31\xa0\x00" + bytes(4096)
    full_node = b"\x31\x84\x80\x00" + ref(chunk) * 16
    assert cad3.encode(data) == b"\x31\x84\x80\x01" + ref(full_node) + b"\x31\x01\x00"


def test_vectors_of_up_to_16_are_one_leaf():
    assert cad3.encode(list(range(16))) == b"\x80\x10\x10" + b"".join(
        bytes((0x11, i)) for i in range(1, 16)
    )


def test_a_vector_of_17_puts_its_last_element_before_the_packed_prefix():
    prefix = cad3.encode(list(range(16)))
    assert cad3.encode(list(range(17))) == b"\x80\x11\x11\x10" + prefix  # prefix embedded


def test_a_vector_of_32_is_a_tree_of_two_leaves():
    leaves = [cad3.encode(list(range(16))), cad3.encode(list(range(16, 32)))]
    assert cad3.encode(list(range(32))) == b"\x80\x20" + leaves[0] + leaves[1]


def test_a_vector_of_257_has_a_256_prefix_of_sixteen_leaves():
    items = ["s" * 20] * 257  # leaves of 16 such strings are too big to embed
    leaf = cad3.encode(items[:16])
    prefix = b"\x80\x82\x00" + ref(leaf) * 16
    assert cad3.encode(items) == b"\x80\x82\x01" + cad3.encode("s" * 20) + ref(prefix)


def test_a_map_leaf_is_ordered_by_key_hash():
    value = {"b": 2, "a": 1, "c": 3}
    pairs = sorted(
        (sha3(cad3.encode(k)), cad3.encode(k) + cad3.encode(v)) for k, v in value.items()
    )
    assert cad3.encode(value) == b"\x82\x03" + b"".join(body for _, body in pairs)
    assert cad3.encode(value) == cad3.encode(dict(reversed(value.items())))


def test_a_map_of_16_branches_on_the_first_differing_hex_digit():
    value = {f"k{i}": i for i in range(16)}
    hashes = {k: sha3(cad3.encode(k)) for k in value}
    digits: dict[int, dict[str, int]] = {}
    for key in sorted(value, key=hashes.__getitem__):
        digits.setdefault(hashes[key][0] >> 4, {})[key] = value[key]
    assert len(digits) > 1  # these keys already differ in their first digit
    mask = sum(1 << d for d in digits)
    children = b"".join(_embed_or_ref(cad3.encode(digits[d])) for d in sorted(digits))
    assert cad3.encode(value) == b"\x82\x10\x00" + mask.to_bytes(2, "big") + children


def _embed_or_ref(encoding: bytes) -> bytes:
    return encoding if len(encoding) <= 140 else ref(encoding)


def test_a_set_is_a_map_without_values():
    assert cad3.encode({"a"}) == b"\x83\x01\x30\x01a"
    assert cad3.encode(frozenset(range(40)))[:2] == b"\x83\x28"


@given(st.dictionaries(st.text(max_size=5), st.integers(), max_size=60))
def test_entry_order_never_changes_a_map(value):
    assert cad3.encode(value) == cad3.encode(dict(reversed(list(value.items()))))


@given(st.lists(st.integers(), min_size=1, max_size=300))
def test_distinct_vectors_have_distinct_ids(items):
    assert cad3.value_id(items) != cad3.value_id([*items, 0])


def test_values_with_no_convex_form_are_refused():
    with pytest.raises(CoviaUsageError, match="object"):
        cad3.encode({"a": object()})
