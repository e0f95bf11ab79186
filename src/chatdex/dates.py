"""Dates as people type them in filters: 2024, 2024-03, 2024-03-15 (in the local time zone),
or relative to now: 7d, 2w, 3m, 1y. A filter covers whole periods: --since 2024-03 starts at
the first instant of March, --until 2024-03 ends at the last instant of March."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from chatdex.errors import InvalidQuery

_ABSOLUTE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_RELATIVE = re.compile(r"(\d{1,5})([dwmy])")
HELP = "use YYYY, YYYY-MM, YYYY-MM-DD, or a time ago such as 7d, 2w, 3m, 1y"


def _months_back(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    if year < 1:
        raise InvalidQuery(f"that is before year 1; {HELP}")
    day = min(moment.day, _month_length(year, month + 1))
    return moment.replace(year=year, month=month + 1, day=day)


def _month_length(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def bound(spec: str, *, end: bool, now: datetime | None = None, zone: tzinfo | None = None) -> datetime:
    """The first instant of the period `spec` names, or with `end` the first instant after
    it (an exclusive upper bound), as an aware UTC datetime."""
    text = spec.strip().lower()
    now = now or datetime.now(UTC)
    if match := _RELATIVE.fullmatch(text):
        amount, unit = int(match.group(1)), match.group(2)
        if unit in "dw":
            return now - timedelta(days=amount * (7 if unit == "w" else 1))
        return _months_back(now, amount * (12 if unit == "y" else 1))
    match = _ABSOLUTE.fullmatch(text)
    if not match:
        raise InvalidQuery(f"cannot read the date {spec!r}; {HELP}")
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day is not None:
            start = datetime(year, int(month), int(day))
            following = start + timedelta(days=1)
        elif month is not None:
            start = datetime(year, int(month), 1)
            following = datetime(year + (int(month) == 12), int(month) % 12 + 1, 1)
        else:
            start = datetime(year, 1, 1)
            following = datetime(year + 1, 1, 1)
        chosen = following if end else start
        # A naive datetime's astimezone() applies the local zone's rules for that date
        # (summer time included), which a fixed offset taken today would not.
        local = chosen.replace(tzinfo=zone) if zone else chosen.astimezone()
        return local.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidQuery(f"there is no such date as {spec!r}; {HELP}") from None
