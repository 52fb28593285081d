"""The JSON5 reader the simulator uses where the venue reads JSON5 (§0)."""

from __future__ import annotations

from typing import Any

import pytest

from covia_proto.testing.json5 import MAX_DEPTH, parse_json5
from covia_proto.testing.wire import BadJson, TooLongNumber


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": [1, 2.5, null, true, false, "x"]}', {"a": [1, 2.5, None, True, False, "x"]}),
        (
            "{operation: 'v/test/ops/echo', input: {a: 1,},}",
            {"operation": "v/test/ops/echo", "input": {"a": 1}},
        ),
        ("// a comment\n[1, /* inline */ 2,]", [1, 2]),
        ('{$k_1: \'it\\\'s\', "q": "say \\"hi\\""}', {"$k_1": "it's", "q": 'say "hi"'}),
        ("[0x1F, -0x10, +1, .5, 1., -2e3, 1E2]", [31, -16, 1, 0.5, 1.0, -2000.0, 100.0]),
        ("'\\u00e9\\x41\\n\\t\\/\\\\'", "éA\n\t/\\"),
        ("'line \\\ncontinued'", "line continued"),
        ('{"a": 1, "a": 2}', {"a": 2}),
        ("\ufeff 7 ", 7),
        ("12345678901234567890", 12345678901234567890),
    ],
)
def test_reads_json5(text: str, value: Any) -> None:
    assert parse_json5(text.encode()) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The venue's own wording and positions (line from 1, column from 0), measured.
        ("{bad", "JSON5 parse error at line 1:4: unexpected end of input"),
        ("{not json", "JSON5 parse error at line 1:5: unexpected 'json'"),
        ("[1,,]", "JSON5 parse error at line 1:3: unexpected ','"),
        ('{"a":1}}', "JSON5 parse error at line 1:7: unexpected '}'"),
        ("", "JSON5 parse error at line 1:0: unexpected end of input"),
        ("[1,\n 2 3]", "JSON5 parse error at line 2:3: unexpected '3'"),
        ("/* open", "JSON5 parse error at line 1:0: unterminated comment"),
        ("'open", "JSON5 parse error at line 1:5: unterminated string"),
        ("'a\nb'", "JSON5 parse error at line 1:2: newline in string"),
        ("'\\u12'", "JSON5 parse error at line 1:3: bad escape"),
        ("'\\1'", "JSON5 parse error at line 1:3: bad escape"),
        ("NaN", "JSON5 parse error at line 1:0: non-finite numbers are not JSON"),
        ("-Infinity", "JSON5 parse error at line 1:0: non-finite numbers are not JSON"),
        ("1e999", "JSON5 parse error at line 1:5: number out of range: 1e999"),
        ("{1: 2}", "JSON5 parse error at line 1:1: unexpected '1'"),
    ],
)
def test_refuses_what_is_not_json5(text: str, message: str) -> None:
    with pytest.raises(BadJson) as caught:
        parse_json5(text.encode())
    assert str(caught.value) == message


def test_refuses_invalid_utf8_and_deep_nesting() -> None:
    with pytest.raises(BadJson):
        parse_json5(b'"\xff"')
    with pytest.raises(BadJson, match="nesting too deep"):
        parse_json5(b"[" * (MAX_DEPTH + 2))
    assert parse_json5(b"[" * 100 + b"]" * 100) is not None


def test_reads_numbers_and_surrogates_as_the_venue_does() -> None:
    with pytest.raises(TooLongNumber, match=r'For input string: "0\.30000000000000004"'):
        parse_json5(b"0.30000000000000004")  # 19 characters: the venue's reader fails
    assert parse_json5(b"0.3000000000000000") == 0.3
    assert parse_json5(b"12345678901234567890") == 12345678901234567890  # integers: any
    assert parse_json5(b"'\\ud83d\\ude00 \\ud800'") == "\U0001f600 ?"
