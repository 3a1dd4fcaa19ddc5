"""Dates on screen in the NHS style: "2 May 2026" (never "2 May" abbreviated to "2 Sep",
never 02/05/2026). Django's own en-GB formats abbreviate the month, and locale formats
win over the settings, so `FORMAT_MODULE_PATH` points here. Times in the NHS style
("3:15pm", "midday") need the `nhs_datetime` filter: Django's format letters only write
"p.m." or "PM"."""

DATE_FORMAT = "j F Y"  # 2 May 2026
DATETIME_FORMAT = r"j F Y \a\t H:i"  # 2 May 2026 at 15:15 (pages use |nhs_datetime)
YEAR_MONTH_FORMAT = "F Y"  # May 2026
MONTH_DAY_FORMAT = "j F"  # 2 May
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = r"j F Y \a\t H:i"
