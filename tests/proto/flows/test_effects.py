from __future__ import annotations

import attrs
import pytest

from covia_proto.flows.effects import CloseStream, OpenedStream, OpenStream, ReadChunk, Send, Sleep
from covia_proto.http import Request, ResponseHead

REQUEST = Request(
    "PUT", "https://v/api/v1/assets/ab/content", (("Authorization", "Bearer s3cret"),)
)


def test_effects_are_frozen_values():
    effect = Send(REQUEST)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        effect.timeout = 1.0  # type: ignore[misc]
    assert Sleep(1.5) == Sleep(1.5)
    assert OpenStream(REQUEST, timeout=2.0) != OpenStream(REQUEST)


def test_reprs_show_neither_credentials_nor_payloads():
    effect = Send(REQUEST, body_stream=iter([b"secret payload"]))
    text = repr(effect)
    assert "s3cret" not in text
    assert "secret payload" not in text
    assert "body_stream" not in text
    for handle_effect in (
        ReadChunk("HANDLE"),
        CloseStream("HANDLE"),
        OpenedStream(ResponseHead(200), "HANDLE"),
    ):
        assert "HANDLE" not in repr(handle_effect)


def test_timeouts_default_to_the_drivers_own():
    assert Send(REQUEST).timeout is None
    assert ReadChunk(object()).timeout is None
