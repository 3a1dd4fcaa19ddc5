"""The one way to enter a date: day, month and year boxes, errors naming the field."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from onestory.forms import NHSDateField, parse_date_parts, read_date


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter date of birth"),
        (("31", "", "1950"), "Date of birth must include a month"),
        (("", "", "1950"), "Date of birth must include a day and month"),
        (("31", "2", "1950"), "Date of birth must be a real date"),
        (("x", "2", "1950"), "Date of birth must be a real date"),
        (("1", "2", "50"), "Year must include 4 numbers (date of birth)"),
    ],
)
def test_parse_date_parts_errors_name_the_field(parts, message):
    with pytest.raises(ValidationError) as err:
        parse_date_parts(*parts, label="Date of birth", required=True)
    assert err.value.messages == [message]


def test_parse_date_parts_reads_day_month_year():
    assert parse_date_parts("27", "3", "2007", label="Date") == date(2007, 3, 27)
    assert parse_date_parts(" 01", "03 ", "2007", label="Date") == date(2007, 3, 1)
    assert parse_date_parts("", "", "", label="Date") is None


def test_parse_date_parts_past_and_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    parts = (str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    with pytest.raises(ValidationError, match="Date of birth must be in the past"):
        parse_date_parts(*parts, label="Date of birth", past=True)
    assert parse_date_parts(*parts, label="Next review", future=True) == tomorrow
    with pytest.raises(ValidationError, match="Next review must be today or in the future"):
        parse_date_parts("1", "1", "2000", label="Next review", future=True)


def test_read_date_takes_the_three_named_boxes():
    data = {"by_when-day": "2", "by_when-month": "5", "by_when-year": "2026"}
    assert read_date(data, "by_when", label="By when") == date(2026, 5, 2)


def test_nhs_date_field_in_a_django_form():
    from django import forms

    class ReviewForm(forms.Form):
        held_on = NHSDateField(label="Held on", required=True)

    form = ReviewForm({"held_on-day": "2", "held_on-month": "5", "held_on-year": "2026"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["held_on"] == date(2026, 5, 2)
    bad = ReviewForm({"held_on-day": "2", "held_on-year": "2026"})
    assert not bad.is_valid()
    assert bad.errors["held_on"] == ["Held on must include a month"]
    html = str(ReviewForm(initial={"held_on": date(2026, 5, 2)})["held_on"])
    assert 'name="held_on-month"' in html and 'value="5"' in html
    assert "For example, 27 3 2007" in html


def test_a_day_or_month_too_large_for_a_date_is_not_a_real_date():
    for day, month in (("9" * 20, "5"), ("2", "9" * 20)):
        with pytest.raises(ValidationError, match="Held on must be a real date"):
            parse_date_parts(day, month, "2026", label="Held on")
