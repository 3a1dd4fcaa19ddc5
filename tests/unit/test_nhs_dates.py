"""Dates and times on screen in the NHS style."""

from datetime import UTC, date, datetime, time

import pytest

from onestory.record.domain.dates import nhs_date, nhs_datetime, nhs_month, nhs_time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 5, 2), "2 May 2026"),
        (date(2026, 9, 30), "30 September 2026"),
        (datetime(2026, 1, 1, 9, 0), "1 January 2026"),
        (None, ""),
    ],
)
def test_nhs_date_writes_day_full_month_year(value, expected):
    assert nhs_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (time(15, 15), "3:15pm"),
        (time(9, 0), "9am"),
        (time(12, 0), "midday"),
        (time(0, 0), "midnight"),
        (time(0, 5), "12:05am"),
        (time(12, 30), "12:30pm"),
    ],
)
def test_nhs_time_uses_am_pm_without_leading_zero(value, expected):
    assert nhs_time(value) == expected


def test_nhs_datetime_joins_date_and_time_with_at():
    assert nhs_datetime(datetime(2026, 5, 2, 15, 15)) == "2 May 2026 at 3:15pm"
    assert nhs_month(date(2026, 8, 14)) == "August 2026"


def test_nhs_datetime_filter_shows_uk_local_time(settings):
    from onestory.record.templatetags.onestory import nhs_datetime as flt

    # 14:15 UTC in British Summer Time is 3:15pm in London.
    assert flt(datetime(2026, 5, 2, 14, 15, tzinfo=UTC)) == "2 May 2026 at 3:15pm"
    assert flt(date(2026, 5, 2)) == "2 May 2026"


def test_django_default_date_format_is_nhs_style(settings):
    from django.template import engines

    html = engines["django"].from_string("{{ d|date }}").render({"d": date(2026, 9, 2)})
    assert html == "2 September 2026"
