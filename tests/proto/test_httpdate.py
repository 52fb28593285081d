from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covia_proto._httpdate import parse_http_date

EXPECTED = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)


@pytest.mark.parametrize(
    "text",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "  Sun, 06 nov 1994 08:49:37 GMT ",
    ],
)
def test_the_three_formats_of_rfc_9110(text: str):
    assert parse_http_date(text) == EXPECTED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nox 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 PST",
        "1994-11-06T08:49:37Z",
        "Sun, 06 Nov 0000 08:49:37 GMT",
    ],
)
def test_anything_else_is_none(text: str):
    assert parse_http_date(text) is None


def test_two_digit_years_follow_the_fifty_year_rule():
    assert parse_http_date("Monday, 01-Jan-69 00:00:00 GMT") == parse_http_date(
        "Mon, 01 Jan 2069 00:00:00 GMT"
    )
    assert parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT") == 0.0


@given(st.integers(min_value=0, max_value=253402300799))
def test_agrees_with_the_standard_library_on_formatted_dates(seconds: int):
    text = email.utils.formatdate(seconds, usegmt=True)
    assert parse_http_date(text) == float(seconds)


@given(st.text(max_size=40))
def test_never_raises(text: str):
    result = parse_http_date(text)
    assert result is None or isinstance(result, float)
