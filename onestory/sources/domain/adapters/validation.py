"""The one validation toolkit every adapter uses.

A `RowCheck` wraps one raw row (a mapping of column name to text) and turns its cells into
typed values, collecting a `Problem` (field + reason) for every cell that is wrong instead of
raising, so that one pass reports everything wrong with a row. Reasons quote the bad value
so a reviewer can see at a glance what the source sent; they are shown only to people allowed
to see import problems and are never logged.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from onestory.people.domain import nhs_number as nhs
from onestory.people.domain.normalise import format_postcode, is_valid_postcode
from onestory.sources.domain.facts import Problem


@dataclass(frozen=True)
class DateFormat:
    """A date layout as a source writes it, with the label shown in problem reasons.
    `patterns` are regular expressions with named groups d, m and Y (four digits)."""

    patterns: tuple[re.Pattern[str], ...]
    label: str


_DMY = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<Y>\d{4})")
_ISO = re.compile(r"(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
DMY = DateFormat((_DMY,), "DD/MM/YYYY")
ISO = DateFormat((_ISO,), "YYYY-MM-DD")
# Spreadsheets: real date cells need no format; typed-in dates come either way round, and
# the two layouts cannot be mistaken for each other.
SHEET = DateFormat((_ISO, _DMY), "YYYY-MM-DD or DD/MM/YYYY")

# How each source writes sex, mapped to the stored vocabulary.
SEX_MFU = {"M": "male", "F": "female", "U": "unknown"}
SEX_WORDS = {"female": "female", "male": "male", "unknown": "unknown"}
SEX_FHIR = {"female": "female", "male": "male", "unknown": "unknown", "other": "unknown"}


def parse_date(text: str, fmt: DateFormat) -> date | None:
    """The date `text` holds in `fmt`, or None when it does not parse. Only the exact layout
    is accepted (a year of four digits), so "1/2/50" is not silently read as AD 50."""
    text = text.strip()
    for pattern in fmt.patterns:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        try:
            parsed = date(int(match["Y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            return None
        if parsed.year >= 1000:
            return parsed
    return None


def parse_iso_date_prefix(text: str) -> date | None:
    """The calendar date at the start of a FHIR date or dateTime ("2024-03-01T10:00:00Z")."""
    return parse_date(text[:10], ISO) if len(text) >= 10 else None


def pounds_to_pence(text: str) -> int | None:
    """Decimal pounds ("123.45", "£1,200") as integer pence, rounded half up; None when the
    text is not a number."""
    cleaned = text.strip().replace("£", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# The class below has a method called `date`; annotations inside it use this name.
Date = date


class RowCheck:
    """Typed access to the cells of one raw row, collecting problems as it goes."""

    def __init__(self, raw: Mapping[str, Any], today: Date | None = None) -> None:
        self.raw = raw
        self.problems: list[Problem] = []
        self.today = today or date.today()

    def problem(self, field: str, reason: str) -> None:
        self.problems.append(Problem(field, reason))

    def text(self, field: str) -> str:
        """The cell as stripped text ("" when absent or empty)."""
        value = self.raw.get(field)
        if type(value) is str:
            return value.strip()
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # spreadsheets hand back whole numbers as floats
        return str(value).strip()

    def required(self, field: str) -> str:
        value = self.text(field)
        if not value:
            self.problem(field, f"{field} is required but is blank")
        return value

    def choice(self, field: str, allowed: Mapping[str, str], *, required: bool = False) -> str:
        """A value from a fixed vocabulary, matched case-insensitively, returned mapped."""
        value = self.required(field) if required else self.text(field)
        if not value:
            return ""
        lookup = {k.lower(): v for k, v in allowed.items()}
        if value.lower() not in lookup:
            options = ", ".join(allowed)
            self.problem(field, f"{field} '{value}' is not one of {options}")
            return ""
        return lookup[value.lower()]

    def date(self, field: str, fmt: DateFormat, *, required: bool = False) -> Date | None:
        value = self.required(field) if required else self.text(field)
        if not value:
            return None
        if isinstance(self.raw.get(field), datetime | Date):
            cell = self.raw[field]
            return cell.date() if isinstance(cell, datetime) else cell
        parsed = parse_date(value, fmt)
        if parsed is None:
            self.problem(field, f"date '{value}' is not a valid {fmt.label} date")
        return parsed

    def birth_date(self, field: str, fmt: DateFormat) -> Date | None:
        """A date of birth: parses in `fmt` and is not in the future."""
        parsed = self.date(field, fmt)
        if parsed is not None and parsed > self.today:
            self.problem(field, f"date of birth '{self.text(field)}' is in the future")
            return None
        return parsed

    def end_date(
        self, field: str, fmt: DateFormat, start: Date | None, start_field: str
    ) -> Date | None:
        """An end date: parses in `fmt` and is not before the start."""
        parsed = self.date(field, fmt)
        if parsed is not None and start is not None and parsed < start:
            self.problem(
                field, f"{field} '{self.text(field)}' is before {start_field} '{start:%Y-%m-%d}'"
            )
            return None
        return parsed

    def sex(self, field: str, mapping: Mapping[str, str]) -> str:
        return self.choice(field, mapping)

    def nhs_number(self, field: str = "nhs_number") -> str:
        """A blank NHS number is allowed (noted as missing); a present one must pass the
        Modulus 11 check, since a wrong number is more dangerous than none."""
        return check_nhs_number(self.text(field), field, self.problems)

    def postcode(self, field: str = "postcode") -> str:
        """A postcode in its written form, or a problem when it is not UK-shaped."""
        return check_postcode(self.text(field), field, self.problems)

    def pence(self, field: str) -> int | None:
        """Non-negative decimal pounds as integer pence (None when blank)."""
        value = self.text(field)
        if not value:
            return None
        pence = pounds_to_pence(value)
        if pence is None:
            self.problem(field, f"{field} '{value}' is not an amount in pounds")
        elif pence < 0:
            self.problem(field, f"{field} '{value}' is negative")
            return None
        return pence

    def non_negative_number(self, field: str) -> Decimal | None:
        """A non-negative decimal (hours, counts); None when blank."""
        value = self.text(field)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.problem(field, f"{field} '{value}' is not a number")
            return None
        if number < 0:
            self.problem(field, f"{field} '{value}' is negative")
            return None
        return number

    def non_negative_int(self, field: str) -> int | None:
        number = self.non_negative_number(field)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.problem(field, f"{field} '{self.text(field)}' is not a whole number")
            return None
        return int(number)

    def birth_month(self, field: str) -> tuple[int | None, int | None]:
        """A partial date of birth written MM/YYYY or YYYY: (year, month), either None."""
        value = self.text(field)
        if not value:
            return None, None
        if isinstance(self.raw.get(field), datetime | Date):
            cell = self.raw[field]
            return cell.year, cell.month
        month_text, _, year_text = value.rpartition("/")
        if (
            year_text.isdigit()
            and len(year_text) == 4
            and (not month_text or (month_text.isdigit() and 1 <= int(month_text) <= 12))
        ):
            year = int(year_text)
            month = int(month_text) if month_text else None
            if (year, month or 1) > (self.today.year, self.today.month) or year < 1880:
                self.problem(field, f"birth month '{value}' is not a plausible date of birth")
                return None, None
            return year, month
        self.problem(field, f"birth month '{value}' is not MM/YYYY or YYYY")
        return None, None


def check_nhs_number(value: str, field: str, problems: list[Problem]) -> str:
    """Shared by row checks and the FHIR adapter: the ten digits, "" when blank."""
    if not value:
        return ""
    digits = nhs.normalise(value)
    if len(digits) != 10 or not digits.isdigit():
        problems.append(Problem(field, f"NHS number {value} is not ten digits"))
        return ""
    if not nhs.is_valid(digits):
        problems.append(Problem(field, f"NHS number {value} fails the Modulus 11 check"))
        return ""
    return digits


def check_postcode(value: str, field: str, problems: list[Problem]) -> str:
    if not value:
        return ""
    if not is_valid_postcode(value):
        problems.append(Problem(field, f"postcode '{value}' is not a UK postcode"))
        return ""
    return format_postcode(value)


def split_name(full: str) -> tuple[str, str]:
    """One name cell ("Bill Smith", "Mary Ann O'Neil") as (given, family): the last word is
    the family name, the rest the given name."""
    words = full.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def join_nonblank(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)
