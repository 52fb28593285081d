from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto.errors import CoviaUsageError
from covia_proto.identity._b64url import b64url_decode, b64url_encode


@given(st.binary(max_size=200))
def test_round_trip_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert "+" not in text
    assert "/" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize("text", ["a+b/", "YQ==", "a b", "A", "é"])
def test_anything_but_unpadded_base64url_is_refused(text: str) -> None:
    with pytest.raises(CoviaUsageError, match="not base64url"):
        b64url_decode(text)
