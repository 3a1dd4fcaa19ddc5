"""What a person search asks for, parsed and checked without touching the database.

A search form or API call hands in free text; `parse_search` turns it into a `SearchQuery`
of normalised keys (the same keys linkage stores on `SourceRecord`), or raises
`SearchQueryError` naming each field that could not be understood."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from onestory.people.domain import nhs_number as nhs
from onestory.people.domain.normalise import is_valid_postcode, name_key, postcode_key

# An outward code on its own ("LS2", "SW1A"): matches every postcode in that district.
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_DOB_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class SearchQueryError(ValueError):
    """One or more search fields could not be understood; `errors` maps field to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PostcodeCriterion:
    """`exact`: a full postcode; `district`: an outward code ("LS2"); `sector`: an outward
    code and the start of the inward code ("LS2 5"); `prefix`: anything else."""

    key: str
    mode: str
    outward: str = ""

    @property
    def pattern(self) -> str:
        """A regular expression over normalised postcodes (upper case, no spaces) that keeps
        the outward code whole, so "LS2" never matches "LS25 1AB". Empty for `exact` and
        `prefix`, which need none."""
        if self.mode == "district":
            return rf"^{self.key}[0-9][A-Z]{{2}}$"
        if self.mode == "sector":
            rest = 3 - (len(self.key) - len(self.outward))
            return rf"^{self.key}[0-9A-Z]{{{rest}}}$"
        return ""


@dataclass(frozen=True)
class SearchQuery:
    """Normalised search criteria. Name tokens are `name_key`s, matched as prefixes."""

    name_tokens: tuple[str, ...] = ()
    date_of_birth: date | None = None
    nhs_number: str = ""
    postcode: PostcodeCriterion | None = None
    criteria: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        kinds = []
        if self.name_tokens:
            kinds.append("name")
        if self.date_of_birth is not None:
            kinds.append("dob")
        if self.nhs_number:
            kinds.append("nhs_number")
        if self.postcode is not None:
            kinds.append("postcode")
        object.__setattr__(self, "criteria", tuple(kinds))

    @property
    def is_empty(self) -> bool:
        return not self.criteria


def parse_date_of_birth(value: str) -> date:
    """Accept DD/MM/YYYY (as people write it in England) or YYYY-MM-DD (ISO)."""
    text = (value or "").strip()
    for fmt in _DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("Enter a date of birth like 31/03/1950 or 1950-03-31")


def parse_postcode(value: str) -> PostcodeCriterion:
    key = postcode_key(value)
    if is_valid_postcode(key):
        return PostcodeCriterion(key, "exact")
    parts = (value or "").upper().split()
    # Written with a space, the outward code is known: "LS2 5" is sector 5 of LS2.
    if len(parts) == 2 and _DISTRICT.match(parts[0]) and re.match(r"^[0-9][A-Z]?$", parts[1]):
        return PostcodeCriterion(key, "sector", outward=parts[0])
    if _DISTRICT.match(key):
        return PostcodeCriterion(key, "district", outward=key)
    if len(key) >= 2 and key.isalnum():
        return PostcodeCriterion(key, "prefix")
    raise ValueError("Enter a full postcode like LS2 5ZN, or the first part like LS2")


def parse_search(
    *, name: str = "", dob: str = "", nhs_number: str = "", postcode: str = ""
) -> SearchQuery:
    """Check and normalise free-text criteria. Blank fields are ignored; at least one
    field must be given."""
    errors: dict[str, str] = {}
    tokens = tuple(t for t in (name_key(part) for part in (name or "").split()) if t)
    if (name or "").strip() and not tokens:
        errors["name"] = "Enter a name using letters"

    date_of_birth = None
    if (dob or "").strip():
        try:
            date_of_birth = parse_date_of_birth(dob)
        except ValueError as exc:
            errors["dob"] = str(exc)
        else:
            if date_of_birth > date.today():
                errors["dob"] = "Date of birth must be in the past"

    number = ""
    if (nhs_number or "").strip():
        number = nhs.normalise(nhs_number.strip())
        if len(number) != 10 or not number.isdigit():
            errors["nhs_number"] = "NHS number must be 10 digits, like 999 123 4561"
        elif not nhs.is_valid(number):
            errors["nhs_number"] = "This is not a valid NHS number: check the digits"

    criterion = None
    if (postcode or "").strip():
        try:
            criterion = parse_postcode(postcode)
        except ValueError as exc:
            errors["postcode"] = str(exc)

    if errors:
        raise SearchQueryError(errors)
    query = SearchQuery(tokens, date_of_birth, number, criterion)
    if query.is_empty:
        raise SearchQueryError(
            {"name": "Enter a name, date of birth, NHS number or postcode to search"}
        )
    return query
