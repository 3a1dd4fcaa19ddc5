"""The search parameters /fhir supports, checked before any database work. Pure."""

import re
from dataclasses import dataclass, field
from datetime import date

from onestory.interop.domain.bundle import SUPPORTED_TYPES

COMMON = frozenset({"_id", "_count", "_offset", "_format", "_pretty"})
# Types not about one person: no patient, subject, date or status.
DIRECTORY_TYPES = frozenset({"Organization", "Practitioner", "PractitionerRole"})
PATIENT_PARAMS = frozenset({"identifier", "name", "birthdate"})
DIRECTORY_PARAMS = frozenset({"identifier", "name", "_include"})
CLINICAL_PARAMS = frozenset({"identifier", "patient", "subject", "date", "status", "_include"})
# `_include` values: the obvious pairs, each the element the included resource is named by.
INCLUDES = {
    "PractitionerRole:practitioner": "practitioner",
    "PractitionerRole:organization": "organization",
    "Encounter:service-provider": "serviceProvider",
    "EpisodeOfCare:organization": "managingOrganization",
}
for _t in SUPPORTED_TYPES:
    if _t not in DIRECTORY_TYPES and _t != "Patient":
        INCLUDES[f"{_t}:patient"] = "patient"
        INCLUDES[f"{_t}:subject"] = "subject"
DEFAULT_COUNT = 20
MAX_COUNT = 200
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class SearchError(ValueError):
    """A search the server does not support; the message names the parameter."""


@dataclass(frozen=True)
class DateBound:
    op: str  # eq ge le gt lt
    low: date
    high: date  # the last day the value covers ("2024" covers the year)


@dataclass
class Search:
    resource_type: str
    params: dict[str, list[str]]
    count: int = DEFAULT_COUNT
    offset: int = 0
    dates: list[DateBound] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)


def allowed_params(resource_type: str) -> frozenset[str]:
    if resource_type == "Patient":
        return COMMON | PATIENT_PARAMS
    if resource_type in DIRECTORY_TYPES:
        return COMMON | DIRECTORY_PARAMS
    return COMMON | CLINICAL_PARAMS


def parse_date(value: str) -> DateBound:
    match = _DATE.match(value.strip())
    if not match:
        raise SearchError(f"date '{value}' is not [prefix]YYYY[-MM[-DD]]")
    op, y, m, d = match.groups()
    year = int(y)
    if d:
        low = high = date(year, int(m), int(d))
    elif m:
        low = date(year, int(m), 1)
        nxt = date(year + (int(m) == 12), int(m) % 12 + 1, 1)
        high = date.fromordinal(nxt.toordinal() - 1)
    else:
        low, high = date(year, 1, 1), date(year, 12, 31)
    if (op or "eq") == "ne":
        raise SearchError("date prefix 'ne' is not supported")
    return DateBound(op or "eq", low, high)


def parse_search(resource_type: str, params: dict[str, list[str]]) -> Search:
    """Check every parameter against what the type supports; SearchError on the first one
    that is not (FHIR's strict handling)."""
    allowed = allowed_params(resource_type)
    for name in params:
        base = name.split(":")[0]
        if base not in allowed or (":" in name and base != "identifier"):
            raise SearchError(f"unknown search parameter '{name}' for {resource_type}")
    search = Search(resource_type, {k: v for k, v in params.items() if v})
    if "_count" in params:
        try:
            search.count = max(1, min(int(params["_count"][-1]), MAX_COUNT))
        except ValueError:
            raise SearchError("_count must be a whole number") from None
    if "_offset" in params:
        try:
            search.offset = max(0, int(params["_offset"][-1]))
        except ValueError:
            raise SearchError("_offset must be a whole number") from None
    search.dates = [parse_date(v) for v in params.get("date", [])]
    for value in params.get("_include", []):
        if INCLUDES.get(value) is None or not value.startswith(resource_type + ":"):
            raise SearchError(f"_include '{value}' is not supported for {resource_type}")
        search.includes.append(INCLUDES[value])
    return search


def split_token(value: str) -> tuple[str | None, str]:
    """`system|value` → (system, value); a bare value → (None, value)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value
