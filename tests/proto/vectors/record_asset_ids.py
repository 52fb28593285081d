"""Record asset-id vectors from a real venue: ``python tests/proto/vectors/record_asset_ids.py
URL`` registers every body below on the venue at URL and writes the JSON text (or, for
bodies that are not UTF-8, its base64) with the id the venue answered to
``asset_ids.json`` beside this file. The corpus is seeded, so a re-run records the same
bodies; tests/proto/test_asset_id.py checks them offline."""

from __future__ import annotations

import base64
import json
import pathlib
import random
import sys
import urllib.request
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
sys.set_int_max_str_digits(0)  # this script writes integers of up to 9865 digits

EDGE_BODIES: list[tuple[str, str | bytes]] = [
    ("empty object", "{}"),
    ("null registers as {}", "null"),
    ("1 is an Integer", '{"n":1}'),
    ("1.0 is a Double", '{"n":1.0}'),
    ("-0 is the Integer 0", '{"n":-0}'),
    ("-0.0 is not 0.0", '{"n":-0.0}'),
    ("exponent means Double", '{"a":1E5,"b":1e-400,"c":2.5e+3}'),
    ("overflow is infinity", '{"a":1e400,"b":-1e400}'),
    ("18-character double", '{"n":0.1234567890123456}'),
    ("null is not absent", '{"n":null}'),
    ("booleans", '{"t":true,"f":false}'),
    ("duplicate keys: the last wins", '{"a":1,"b":2,"a":3}'),
    ("whitespace and order", ' \t\r\n{ "b" : [ ] ,\n"a":{} } \n'),
    ("escape spelling", '{"s":"\\u0041\\/\\b\\f\\n\\r\\t\\"\\\\"}'),
    ("escaped surrogate pair", '{"s":"\\ud83d\\ude00"}'),
    ("lone surrogates become ?", '{"s":"\\ud83d x \\ude00"}'),
    ("astral characters", '{"s":"𝄞🎉","😀":"key"}'),
    ("DEL and U+FFFD raw", '{"s":"\x7f\ufffd"}'),
    (
        "Long edges",
        '{"a":9223372036854775807,"b":-9223372036854775808,"c":127,"d":128,'
        '"e":-128,"f":-129,"g":255,"h":32767,"i":-32769}',
    ),
    (
        "BigInt edges",
        '{"a":9223372036854775808,"b":-9223372036854775809,'
        '"c":18446744073709551616,"d":12345678901234567890}',
    ),
    ("integer of 4096 bytes", json.dumps({"n": 2**32767 - 1})),
    ("integer beyond 4096 bytes is infinity", json.dumps({"n": 2**32767, "m": -(2**32767) - 1})),
    ("string of 137 bytes is embedded", json.dumps({"s": "x" * 137})),
    ("string of 138 bytes is referenced", json.dumps({"s": "x" * 138})),
    ("string of 4096 bytes is flat", json.dumps({"s": "y" * 4096})),
    ("string of 4097 bytes is a tree", json.dumps({"s": "y" * 4097})),
    ("string of 16 chunks + 1 byte", json.dumps({"s": "z" * (16 * 4096 + 1)})),
    ("multi-byte string tree", json.dumps({"s": "é€😀" * 3000}, ensure_ascii=False)),
    ("vector of 16", json.dumps({"v": list(range(16))})),
    ("vector of 17: leaf after prefix", json.dumps({"v": list(range(17))})),
    ("vector of 32: tree", json.dumps({"v": list(range(32))})),
    ("vector of 257", json.dumps({"v": list(range(257))})),
    ("vector of 4097", json.dumps({"v": list(range(4097))})),
    ("vector of large cells", json.dumps({"v": ["w" * 60] * 40})),
    ("map of 15: leaf", json.dumps({f"k{i}": i for i in range(15)})),
    ("map of 16: tree", json.dumps({f"k{i}": i for i in range(16)})),
    ("map of 600: deeper tree", json.dumps({f"key-{i}": [i, str(i)] for i in range(600)})),
    ("invalid UTF-8 becomes U+FFFD", b'{"s":"a\xff b\xc3 c\xe2\x82 d\xf0\x9f\x98 e\xc0\xaf"}'),
    ("encoded surrogates: one U+FFFD each", b'{"s":"a\xed\xa0\x80\xed\xb0\x80 b\xed\xbf x"}'),
]


def corpus(seed: int, count: int) -> list[str]:
    """Seeded documents of the shapes the Hypothesis test draws."""
    rnd = random.Random(seed)

    def text() -> str:
        alphabet = 'aZ09 _-é€ß中文😀𝄞\n\t"\\/'
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))

    def leaf() -> Any:
        kind = rnd.randrange(7)
        if kind == 0:
            return rnd.choice([None, True, False])
        if kind == 1:
            return rnd.randint(-(2**70), 2**70)
        if kind == 2:
            return rnd.choice([0, -1, 2**63 - 1, -(2**63), 2**63, 10**40, -(10**40)])
        if kind == 3:
            value = rnd.uniform(-1e6, 1e6) if rnd.random() < 0.5 else rnd.random()
            return value if len(repr(value)) <= 18 else round(value, 6)
        if kind == 4:
            return text() * (400 if rnd.random() < 0.01 else 1)
        return rnd.choice([0.0, -0.0, 1.5e300, 5e-324])

    budget = [0]  # values a document may still hold, so none grows huge

    def value(depth: int) -> Any:
        if depth > 3 or rnd.random() < 0.4:
            return leaf()
        size = min(budget[0], rnd.choice([0, 1, 3, 15, 16, 17, 40, 300]))
        budget[0] -= size
        if rnd.random() < 0.5:
            return [value(depth + 1) for _ in range(size)]
        return {text(): value(depth + 1) for _ in range(size)}

    documents = []
    for _ in range(count):
        budget[0] = 200
        document = {text(): value(1) for _ in range(rnd.randint(0, 20))}
        documents.append(json.dumps(document, ensure_ascii=rnd.random() < 0.5))
    return documents


def register(base: str, body: bytes) -> str:
    request = urllib.request.Request(f"{base}/api/v1/assets", data=body, method="POST")
    with urllib.request.urlopen(request) as response:
        ident = json.loads(response.read())
    assert isinstance(ident, str)
    return ident


def main(base: str) -> None:
    vectors: list[dict[str, str]] = []
    bodies = [*EDGE_BODIES, *(("seeded corpus", doc) for doc in corpus(19, 60))]
    for note, body in bodies:
        raw = body.encode() if isinstance(body, str) else body
        entry = {"note": note}
        if isinstance(body, str):
            entry["json"] = body
        else:
            entry["json_base64"] = base64.b64encode(body).decode()
        entry["id"] = register(base, raw)
        vectors.append(entry)
    out = HERE / "asset_ids.json"
    out.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(vectors)} vectors written to {out}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
