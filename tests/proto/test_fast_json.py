"""msgspec in front of the standard library changes the speed of decoding, never a
value or an error: the two paths are held equal over generated documents and texts."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from typing import Any

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from covia_proto import _fast_json
from covia_proto.endpoints.responses import parse_json
from covia_proto.errors import VenueProtocolError
from covia_proto.sse import ServerSentEvent


def test_the_decoder_is_msgspecs_when_it_is_installed() -> None:
    assert _fast_json.decoder is msgspec.json.decode


def test_without_msgspec_there_is_no_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msgspec.json", None)  # import fails
    monkeypatch.setitem(sys.modules, "msgspec", None)
    spec = importlib.util.find_spec("covia_proto._fast_json")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.decoder is None


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1, 1.0 and True differ; so do
    0.0 and -0.0; NaN is itself)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def outcome(decode: Any, data: Any) -> tuple[str, Any]:
    try:
        return "value", decode(data)
    except VenueProtocolError as exc:
        return "error", exc.message


def both_ways(decode: Any, data: Any) -> None:
    fast = outcome(decode, data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fast_json, "decoder", None)
        plain = outcome(decode, data)
    assert fast[0] == plain[0], (data, fast, plain)
    if fast[0] == "error":
        assert fast[1] == plain[1]
    else:
        assert same(fast[1], plain[1]), (data, fast, plain)


def event_json(text: str) -> Any:
    return ServerSentEvent("job-update", text).json()


# Numbers as a venue may write them: any size of integer (past 64 bits, past Python's
# 4,300-digit limit), fractions and exponents past a double's range or precision.
number_literals = st.from_regex(
    r"\A-?(0|[1-9][0-9]{0,30}|[1-9][0-9]{4290,4310})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?\Z"
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),  # lone surrogates among them: json.dumps escapes them
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
documents = st.builds(
    lambda value, ascii_only, compact: json.dumps(
        value, ensure_ascii=ascii_only, separators=(",", ":") if compact else None
    ),
    json_values,
    st.booleans(),
    st.booleans(),
)
EDGES = [
    "NaN", "-Infinity", "1e400", "-1e400", "1.5e-400", "-0", "-0.0", "0e0",
    '"\\ud800"', '"\\udc00\\ud800"', '"\\ud834\\udd1e"', '"\x01"', '"\\u0000"',
    "\ufeff{}", " {} ", "{}\n", "[1,]", '{"a":1,"a":2}', "01", "1.", ".5", "+1",
    "9" * 4300, "9" * 4301, "[" * 300 + "]" * 300, "", " ", "nul", "true false",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=documents | number_literals | st.text(max_size=40))
@example(text="1" * 25 + ".0")
def test_events_decode_the_same_with_and_without_msgspec(text: str) -> None:
    both_ways(event_json, text)


@settings(max_examples=400, deadline=None)
@given(body=documents.map(str.encode) | number_literals.map(str.encode) | st.binary(max_size=40))
@example(body=b'"\xed\xa0\x80"')  # an encoded surrogate: not UTF-8
@example(body=b'{"a":"\xc3"}')
def test_responses_decode_the_same_with_and_without_msgspec(body: bytes) -> None:
    both_ways(parse_json, body)


@pytest.mark.parametrize("text", EDGES, ids=lambda text: repr(text)[:24])
def test_what_msgspec_refuses_the_standard_library_decides(text: str) -> None:
    both_ways(event_json, text)
    both_ways(parse_json, text.encode("utf-8", "surrogatepass"))


def test_integers_past_64_bits_stay_exact() -> None:
    big = 2**200 + 1
    assert event_json(str(big)) == big
    assert parse_json(f'{{"n":{big}}}'.encode()) == {"n": big}
