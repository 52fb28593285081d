"""The list envelope's paging rules (§3.2.1)."""

from __future__ import annotations

import pytest

from covia_proto.testing.list_pages import PageError, page

ITEMS = [f"{i:02x}" for i in range(10)]


def q(**params: str) -> dict[str, list[str]]:
    return {key: [value] for key, value in params.items()}


def test_defaults() -> None:
    assert page(ITEMS, {}) == {"total": 10, "offset": 0, "limit": 10, "items": ITEMS}


def test_no_limit_reports_what_the_page_holds() -> None:
    assert page(ITEMS, q(offset="7")) == {"total": 10, "offset": 7, "limit": 3, "items": ITEMS[7:]}
    assert page(ITEMS, q(offset="20"))["limit"] == 0


def test_explicit_limit_is_reported_verbatim() -> None:
    assert page(ITEMS, q(offset="8", limit="5")) == {
        "total": 10,
        "offset": 8,
        "limit": 5,
        "items": ITEMS[8:],
    }
    assert page(ITEMS, q(limit="0"))["items"] == []


def test_negative_offset_is_zero() -> None:
    assert page(ITEMS, q(offset="-3", limit="2"))["offset"] == 0


def test_default_page_is_capped() -> None:
    many = [str(i) for i in range(1500)]
    assert page(many, {})["limit"] == 1000
    assert len(page(many, {})["items"]) == 1000


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"offset": "a"}, "Invalid offset or limit"),
        ({"limit": ""}, "Invalid offset or limit"),
        ({"limit": "-1"}, "Negative limit"),
        ({"limit": "1001"}, "Too many things requested: 1001"),
    ],
)
def test_errors(params: dict[str, str], message: str) -> None:
    with pytest.raises(PageError, match=f"^{message}$"):
        page(ITEMS, q(**params), noun="things")
