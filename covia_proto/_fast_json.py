"""msgspec's JSON decoder, put in front of the standard library's when it is installed.

The ``fast`` extra (``pip install 'covia[fast]'``) brings msgspec, whose decoder reads a
venue's records three to four times as fast as ``json`` (a 316-byte job record: 0.63
against 2.3 µs here); it decides how fast a job's event stream can be followed.

It is only ever a shortcut. Where msgspec decodes a text, the value is the one
``json.loads`` gives: integers of any size up to Python's own digit limit (orjson, the
other candidate, turns those past 64 bits into floats), the last of duplicate keys,
correctly rounded floats (``tests/proto/test_fast_json.py`` holds the two decoders to
this). Where msgspec refuses one (``NaN``, ``1e400``, a byte order mark, an escaped lone
surrogate, an integer past the digit limit, anything malformed), the caller's path
through the standard library decides, with its value or its error. Installing msgspec
changes the speed, never a result or a message.

``decoder`` is msgspec's ``decode`` (it takes ``str`` or UTF-8 ``bytes``), or None
without msgspec; callers read it at each use, so a test or benchmark may set it to
None to compare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["decoder"]

try:
    from msgspec.json import decode as _msgspec_decode
except ImportError:  # the ``fast`` extra is not installed
    decoder: Callable[[str | bytes], Any] | None = None
else:
    decoder = _msgspec_decode
