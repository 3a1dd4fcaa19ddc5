"""Dates and times written the NHS way: "2 May 2026", "2 May 2026 at 3:15pm", "midday".

One format on every page (the NHS.UK content style guide); ISO 8601 stays in the API,
JSON and exports."""

from datetime import date, datetime, time

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def nhs_date(value: date | datetime | None) -> str:
    """2 May 2026; "" for no date."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def nhs_month(value: date | datetime | None) -> str:
    """May 2026."""
    if value is None:
        return ""
    return f"{MONTHS[value.month - 1]} {value.year}"


def nhs_time(value: time | datetime) -> str:
    """3:15pm, 9am, midday, midnight."""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def nhs_datetime(value: datetime | None) -> str:
    """2 May 2026 at 3:15pm (in whatever zone the caller has put it)."""
    if value is None:
        return ""
    return f"{nhs_date(value)} at {nhs_time(value)}"
