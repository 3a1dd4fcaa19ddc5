"""The timeline's date range filter (from / to), kept apart from the queries module."""

from datetime import date


def dated(events, date_from: date | None, date_to: date | None):
    """Events that started on or after `date_from` and on or before `date_to`; the same
    queryset object when neither is given."""
    if date_from is None and date_to is None:
        return events
    if date_from is not None:
        events = events.filter(start__gte=date_from)
    if date_to is not None:
        events = events.filter(start__lte=date_to)
    return events
