"""A small JSON5 reader: what the venue accepts on ``/invoke``, ``POST /jobs/{id}`` and
``PUT /secrets/{name}`` (venue-api.md §0), so the simulator takes the same bodies.

Beyond JSON: ``//`` and ``/* */`` comments, single-quoted strings, unquoted
identifier keys, trailing commas, hexadecimal numbers, leading or trailing decimal
points, an explicit ``+`` sign, and ``Infinity``/``NaN`` (refused here: no answer of the
simulator may carry a number JSON cannot write). Errors are ``BadJson`` naming the line
and column, in the venue's wording.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from covia_proto.testing.wire import LONGEST_NUMBER, BadJson, TooLongNumber, fix_surrogates

__all__ = ["parse_json5"]

_NUMBER: Final = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_IDENT: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_ESCAPES: Final = {
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "0": "\0",
    "\n": "",
}
_LITERALS: Final = {"true": True, "false": False, "null": None}
MAX_DEPTH: Final = 256  # deeper nesting is refused rather than exhausting the stack


def parse_json5(data: bytes) -> Any:
    """The body as JSON5; raises ``BadJson``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(str(exc)) from exc
    reader = _Reader(text)
    reader.skip()
    if reader.at_end():
        raise reader.error("unexpected end of input")
    value = reader.value(0)
    reader.skip()
    if not reader.at_end():
        raise reader.unexpected()
    return value


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def error(self, what: str) -> BadJson:
        # Lines count from 1 and columns from 0, as the venue's parser reports them.
        line = self.text.count("\n", 0, self.pos) + 1
        column = self.pos - (self.text.rfind("\n", 0, self.pos) + 1)
        return BadJson(f"JSON5 parse error at line {line}:{column}: {what}")

    def unexpected(self) -> BadJson:
        """The token at the cursor refused: a word whole, else one character."""
        if self.at_end():
            return self.error("unexpected end of input")
        word = _IDENT.match(self.text, self.pos)
        return self.error(f"unexpected {word.group() if word else self.text[self.pos]!r}")

    def skip(self) -> None:
        """Whitespace and comments."""
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char.isspace() or char == "\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error("unterminated comment")
                self.pos = end + 2
            else:
                return

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.error("nesting too deep")
        if self.at_end():
            raise self.error("unexpected end of input")
        char = self.text[self.pos]
        if char == "{":
            return self.object(depth + 1)
        if char == "[":
            return self.array(depth + 1)
        if char in "\"'":
            return self.string(char)
        word = _IDENT.match(self.text, self.pos)
        if word and word.group() in _LITERALS:
            self.pos = word.end()
            return _LITERALS[word.group()]
        return self.number()

    def object(self, depth: int) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.at_end():
                raise self.error("unexpected end of input")
            if self.text[self.pos] == "}":
                self.pos += 1
                return result
            key = self.key()
            self.skip()
            if self.at_end() or self.text[self.pos] != ":":
                raise self.unexpected()
            self.pos += 1
            self.skip()
            result[key] = self.value(depth)  # the last of duplicate keys wins
            if not self.separator("}"):
                raise self.unexpected()

    def key(self) -> str:
        char = self.text[self.pos]
        if char in "\"'":
            return self.string(char)
        word = _IDENT.match(self.text, self.pos)
        if word is None:
            raise self.unexpected()
        self.pos = word.end()
        return word.group()

    def array(self, depth: int) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        while True:
            self.skip()
            if self.at_end():
                raise self.error("unexpected end of input")
            if self.text[self.pos] == "]":
                self.pos += 1
                return result
            result.append(self.value(depth))
            if not self.separator("]"):
                raise self.unexpected()

    def separator(self, close: str) -> bool:
        """After a member: a comma (a trailing one is fine) or the closing bracket,
        which is left for the caller's loop to consume."""
        self.skip()
        if self.at_end():
            raise self.error("unexpected end of input")
        if self.text[self.pos] == ",":
            self.pos += 1
            return True
        return self.text[self.pos] == close

    def string(self, quote: str) -> str:
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise self.error("unterminated string")
            char = text[self.pos]
            if char == quote:
                self.pos += 1
                return fix_surrogates("".join(parts))
            if char == "\\":
                parts.append(self.escape())
            elif char == "\n":
                raise self.error("newline in string")
            else:
                parts.append(char)
                self.pos += 1

    def escape(self) -> str:
        self.pos += 1
        if self.at_end():
            raise self.error("unterminated string")
        char = self.text[self.pos]
        self.pos += 1
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char in "ux":
            size = 4 if char == "u" else 2
            digits = self.text[self.pos : self.pos + size]
            if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise self.error("bad escape")
            self.pos += size
            return chr(int(digits, 16))
        if char.isdigit():
            raise self.error("bad escape")
        return char  # \" \' \\ \/ and any other character stand for themselves

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            if self.text[self.pos :].lstrip("+-").startswith(("Infinity", "NaN")):
                raise self.error("non-finite numbers are not JSON")
            raise self.unexpected()
        self.pos = match.end()
        literal = match.group()
        sign = -1 if literal.startswith("-") else 1
        body = literal.lstrip("+-")
        if body[:2] in ("0x", "0X"):
            return sign * int(body, 16)
        if body.isdigit():
            return sign * int(body)
        if len(literal) > LONGEST_NUMBER:
            raise TooLongNumber(literal)
        value = sign * float(body)
        if math.isinf(value):
            raise self.error(f"number out of range: {literal}")
        return value
