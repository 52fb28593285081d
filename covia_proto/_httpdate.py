"""HTTP dates (RFC 9110 §5.6.7) to epoch seconds, for ``Retry-After`` and ``Date``.

All three formats a recipient must accept: IMF-fixdate, the obsolete RFC 850 form and
asctime. Written here rather than taken from ``email.utils``, which imports ``socket``.
"""

from __future__ import annotations

import calendar
import re
from typing import Final

__all__ = ["parse_http_date"]

_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
_IMF: Final = re.compile(rf"[A-Za-z]{{3}}, (\d{{2}}) ([A-Za-z]{{3}}) (\d{{4}}) {_TIME} GMT")
_RFC850: Final = re.compile(rf"[A-Za-z]+, (\d{{2}})-([A-Za-z]{{3}})-(\d{{2}}) {_TIME} GMT")
_ASCTIME: Final = re.compile(rf"[A-Za-z]{{3}} ([A-Za-z]{{3}}) ([ \d]\d) {_TIME} (\d{{4}})")


def parse_http_date(text: str) -> float | None:
    """Seconds since the epoch, or None if ``text`` is not an HTTP date."""
    text = text.strip()
    if match := _IMF.fullmatch(text):
        day, month, year, hh, mm, ss = match.groups()
    elif match := _RFC850.fullmatch(text):
        day, month, short_year, hh, mm, ss = match.groups()
        # RFC 9110: a two-digit year more than 50 years ahead is in the past century.
        year = str(2000 + int(short_year) if int(short_year) < 70 else 1900 + int(short_year))
    elif match := _ASCTIME.fullmatch(text):
        month, day, hh, mm, ss, year = match.groups()
    else:
        return None
    month_number = _MONTHS.get(month.lower())
    fields = (int(year), int(day), int(hh), int(mm), int(ss))
    if month_number is None or not _valid(month_number, *fields):
        return None
    year_n, day_n, hour, minute, second = fields
    return float(calendar.timegm((year_n, month_number, day_n, hour, minute, second, 0, 0, 0)))


def _valid(month: int, year: int, day: int, hour: int, minute: int, second: int) -> bool:
    if not 1 <= year <= 9999:
        return False
    days_in_month = calendar.monthrange(year, month)[1]
    return 1 <= day <= days_in_month and hour < 24 and minute < 60 and second < 61
