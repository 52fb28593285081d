"""JSON read as the venue reads asset metadata, into the values ``cad3`` encodes.

The venue (Convex 0.8.5 ``JSONReader`` behind ``POST /api/v1/assets``) reads strict JSON,
never JSON5, and decides the Convex type of every number. What it does, and so what this
reader does:

* bytes are decoded as UTF-8, an invalid sequence becoming U+FFFD (counted as Java
  counts them);
* an integer literal is an Integer of any size up to 4096 bytes; a larger one becomes a
  Double, i.e. plus or minus infinity;
* a literal with a fraction or exponent is a Double (``1`` and ``1.0`` differ, ``-0.0``
  is not ``0.0``, ``1e400`` is infinity), but only if it is shorter than 19 characters:
  the venue fails on longer ones (a 500), so they are refused here too;
* with duplicate keys the last value wins; ``NaN`` and ``Infinity`` are not JSON.

Python's ``json`` agrees with the venue's grammar (numbers, escapes, whitespace, control
characters), so it does the parsing, with hooks for the cases above.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final, NoReturn

from covia_proto.errors import CoviaUsageError

__all__ = ["MetadataJsonError", "read_json"]

_LONGEST_DOUBLE: Final = 18  # characters; the venue fails on 19 and more
_MAX_INTEGER_BITS: Final = 4096 * 8 - 1  # 4096 bytes of two's complement
_DIGITS_PER_STEP: Final = 4000  # below Python's limit on one str-to-int conversion
_MOST_DIGITS: Final = 9864  # 10**9864 already needs more than 4096 bytes


# Java's UTF-8 decoder takes ED A0..BF (the start of an encoded surrogate) with its next
# continuation byte, if any, as one malformed sequence where Python's sees two or three.
_ENCODED_SURROGATE: Final = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]?")
_REPLACEMENT: Final = "\ufffd".encode()


class MetadataJsonError(CoviaUsageError):
    """Text the venue would not read as asset metadata."""


def read_json(data: bytes | str) -> Any:
    """``data`` read into Python values that stand for the Convex values the venue
    builds from it (see :mod:`covia_proto._cad3`)."""
    text = _decode(data) if isinstance(data, bytes) else data
    try:
        return json.loads(
            text,
            parse_int=_integer,
            parse_float=_double,
            parse_constant=_constant,
        )
    except MetadataJsonError:
        raise
    except RecursionError:
        raise MetadataJsonError("JSON nested too deeply to read") from None
    except ValueError as exc:  # json.JSONDecodeError is one
        raise MetadataJsonError(f"not valid JSON: {exc}") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _ENCODED_SURROGATE.sub(_REPLACEMENT, data).decode("utf-8", "replace")


def _integer(literal: str) -> int | float:
    digits = literal.lstrip("-")
    if len(digits) > _MOST_DIGITS:
        return -math.inf if literal.startswith("-") else math.inf
    value = 0
    # One step at a time, so no single conversion meets Python's 4300-digit limit.
    for start in range(0, len(digits), _DIGITS_PER_STEP):
        step = digits[start : start + _DIGITS_PER_STEP]
        value = value * 10 ** len(step) + int(step)
    if literal.startswith("-"):
        value = -value
    if (value if value >= 0 else ~value).bit_length() > _MAX_INTEGER_BITS:
        return math.inf if value > 0 else -math.inf
    return value


def _double(literal: str) -> float:
    if len(literal) > _LONGEST_DOUBLE:
        raise MetadataJsonError(
            f"the venue cannot read the number {literal[:40]}: a fraction or exponent "
            f"literal longer than {_LONGEST_DOUBLE} characters fails there"
        )
    return float(literal)


def _constant(literal: str) -> NoReturn:
    raise MetadataJsonError(f"{literal} is not JSON")
