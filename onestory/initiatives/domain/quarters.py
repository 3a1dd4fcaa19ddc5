"""Calendar quarters written like "2025Q3" (July to September 2025), the periods of every
locality-quarter panel. Written this way they sort in time order as text."""

import re
from datetime import date

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class QuarterError(ValueError):
    pass


def parse(text: str) -> tuple[int, int]:
    """(year, quarter) from "2025Q3"; a QuarterError that says how to write it otherwise."""
    m = _QUARTER.match((text or "").strip().upper())
    if not m:
        raise QuarterError(
            f"{text!r} is not a quarter: write it like 2025Q3 (July to September 2025)."
        )
    return int(m.group(1)), int(m.group(2))


def of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def first_day(text: str) -> date:
    year, q = parse(text)
    return date(year, 3 * (q - 1) + 1, 1)


def span(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last`, both included."""
    y, q = parse(first)
    end = parse(last)
    out = []
    while (y, q) <= end:
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


_MONTHS = ("January", "April", "July", "October")
_ENDS = ("March", "June", "September", "December")


def label(text: str) -> str:
    """ "2025Q3" as "July to September 2025"."""
    year, q = parse(text)
    return f"{_MONTHS[q - 1]} to {_ENDS[q - 1]} {year}"
