"""The search parameters /fhir supports, checked before any database work. Pure.

The tables here are the CapabilityStatement's too (`responses.capability_statement`), so
it cannot advertise a parameter that is not parsed (ADR 0007, ADR 0016)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from onestory.interop.domain.bundle import SUPPORTED_TYPES

# Parameters every type takes. `_totalMethod` is how some clients (fhirpy) ask for `_total`.
RESULT_PARAMS = frozenset(
    {
        "_count",
        "_offset",
        "_format",
        "_pretty",
        "_total",
        "_totalMethod",
        "_summary",
        "_sort",
        "_elements",
        "_include",
        "_revinclude",
    }
)
COMMON = frozenset({"_id", "_lastUpdated"}) | RESULT_PARAMS
# Types not about one person: no patient, subject, date or status.
DIRECTORY_TYPES = frozenset({"Organization", "Practitioner", "PractitionerRole", "Location"})
# Types served besides the mapped ones: stored as received and served by read and search.
STORED_TYPES = (
    "Immunization",
    "DiagnosticReport",
    "Claim",
    "ExplanationOfBenefit",
    "ImagingStudy",
    "MedicationAdministration",
    "MedicationStatement",
    "Medication",
    "Device",
    "DocumentReference",
    "Provenance",
    "Location",
    "Coverage",
    "Task",
    "QuestionnaireResponse",
    "Account",
    "SupplyDelivery",
)
SERVED_TYPES = SUPPORTED_TYPES + tuple(t for t in STORED_TYPES if t not in SUPPORTED_TYPES)
PATIENT_PARAMS = frozenset({"identifier", "name", "family", "given", "birthdate", "gender"})
DIRECTORY_PARAMS = frozenset({"identifier", "name"})
CLINICAL_PARAMS = frozenset(
    {"identifier", "patient", "subject", "date", "status", "code", "category"}
)
# Chained searches on the Patient a resource is about (`subject:Patient.identifier=…`).
CHAINS = {
    f"{ref}{sep}identifier": ref for ref in ("patient", "subject") for sep in (".", ":Patient.")
}
TOKEN_PARAMS = ("identifier", "code", "category")
DATE_PARAMS = ("date", "birthdate", "_lastUpdated")
# `_include` values: the obvious pairs, each the element the included resource is named by.
INCLUDES = {
    "PractitionerRole:practitioner": "practitioner",
    "PractitionerRole:organization": "organization",
    "Encounter:service-provider": "serviceProvider",
    "EpisodeOfCare:organization": "managingOrganization",
}
for _t in SERVED_TYPES:
    if _t not in DIRECTORY_TYPES and _t != "Patient":
        INCLUDES[f"{_t}:patient"] = "patient"
        INCLUDES[f"{_t}:subject"] = "subject"
# `_revinclude` values on a Patient search: the resources about the patients found.
PATIENT_REVINCLUDES = frozenset(
    f"{t}:{p}"
    for t in SERVED_TYPES
    if t not in DIRECTORY_TYPES and t != "Patient"
    for p in ("patient", "subject")
)
# … and on any search: the Provenance records that name the resources found.
PROVENANCE_TARGET = "Provenance:target"
SORTS = {
    "Patient": ("_id", "birthdate", "family", "given"),
    "directory": ("_id", "_lastUpdated", "name"),
    "clinical": ("_id", "_lastUpdated", "date", "status"),
}
SUMMARIES = ("count", "false")
TOTALS = ("none", "estimate", "accurate", "count")
DEFAULT_COUNT = 20
MAX_COUNT = 200
_DATE = re.compile(
    r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"
)


class SearchError(ValueError):
    """A search the server does not support; the message names the parameter."""


@dataclass(frozen=True)
class DateBound:
    """One date parameter: the prefix and the instants the value covers, [start, end).
    `low` and `high` are the first and last day covered ("2024" covers the year)."""

    op: str  # eq ne gt lt ge le sa eb ap
    start: datetime
    end: datetime
    param: str = "date"

    @property
    def low(self) -> date:
        return self.start.date()

    @property
    def high(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()


@dataclass(frozen=True)
class Token:
    """`system|code` (system None when not given; "" for `|code`, no system)."""

    system: str | None
    code: str


@dataclass
class Search:
    resource_type: str
    params: dict[str, list[str]]
    count: int = DEFAULT_COUNT
    offset: int = 0
    dates: list[DateBound] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    revincludes: list[str] = field(default_factory=list)
    # Each token parameter's values: every parameter given must match (AND), any of the
    # comma-separated values of one parameter (OR).
    tokens: dict[str, list[list[Token]]] = field(default_factory=dict)
    chained: list[Token] = field(default_factory=list)  # Patient identifiers
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (key, descending)
    elements: list[str] = field(default_factory=list)
    summary_count: bool = False
    total: bool = True

    @property
    def wants_entries(self) -> bool:
        return not self.summary_count and self.count > 0


def kind_of(resource_type: str) -> str:
    if resource_type == "Patient":
        return "Patient"
    return "directory" if resource_type in DIRECTORY_TYPES else "clinical"


def allowed_params(resource_type: str) -> frozenset[str]:
    kind = kind_of(resource_type)
    if kind == "Patient":
        return COMMON | PATIENT_PARAMS
    if kind == "directory":
        return COMMON | DIRECTORY_PARAMS
    return COMMON | CLINICAL_PARAMS | frozenset(CHAINS)


def revincludes_for(resource_type: str) -> list[str]:
    out = sorted(PATIENT_REVINCLUDES) if resource_type == "Patient" else []
    return [*out, PROVENANCE_TARGET]


def parse_date(value: str, param: str = "date", today: date | None = None) -> DateBound:
    """`[prefix]YYYY[-MM[-DD[Thh:mm[:ss][zone]]]]` as the instants it covers."""
    match = _DATE.match(value.strip())
    if not match:
        raise SearchError(f"{param} '{value}' is not [prefix]YYYY[-MM[-DD[Thh:mm:ss]]]")
    op, y, m, d, hh, mm, ss, zone = match.groups()
    try:
        if hh is not None:
            tz = UTC if zone in (None, "Z") else datetime.strptime(zone, "%z").tzinfo
            start = datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0), tzinfo=tz)
            end = start + timedelta(seconds=1 if ss else 60)
        elif d:
            start = datetime.combine(date(int(y), int(m), int(d)), time(), UTC)
            end = start + timedelta(days=1)
        elif m:
            start = datetime(int(y), int(m), 1, tzinfo=UTC)
            end = datetime(int(y) + (int(m) == 12), int(m) % 12 + 1, 1, tzinfo=UTC)
        else:
            start, end = datetime(int(y), 1, 1, tzinfo=UTC), datetime(int(y) + 1, 1, 1, tzinfo=UTC)
    except (ValueError, TypeError):
        raise SearchError(f"{param} '{value}' is not a real date") from None
    op = op or "eq"
    if op == "ap":
        # Approximately: 10% of the gap between the value and today either side, at
        # least a day (FHIR leaves the width to the server).
        now = datetime.combine(today or date.today(), time(), UTC)
        slack = max(timedelta(days=1), abs(now - start) / 10)
        start, end = start - slack, end + slack
    return DateBound(op, start.astimezone(UTC), end.astimezone(UTC), param)


def split_token(value: str) -> tuple[str | None, str]:
    """`system|value` → (system, value); a bare value → (None, value)."""
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def _tokens(value: str) -> list[Token]:
    return [Token(*split_token(v)) for v in value.split(",") if v]


def _whole(params: dict[str, list[str]], name: str, low: int = 0) -> int | None:
    if name not in params:
        return None
    try:
        number = int(params[name][-1])
    except ValueError:
        raise SearchError(f"{name} must be a whole number") from None
    if number < low:
        raise SearchError(f"{name} must be {low} or more")
    return number


def parse_search(
    resource_type: str, params: dict[str, list[str]], today: date | None = None
) -> Search:
    """Check every parameter against what the type supports; SearchError on the first one
    that is not (FHIR's strict handling)."""
    allowed = allowed_params(resource_type)
    for name in params:
        if name not in allowed:
            raise SearchError(f"unknown search parameter '{name}' for {resource_type}")
    search = Search(resource_type, {k: v for k, v in params.items() if v})
    count = _whole(params, "_count")
    if count is not None:
        search.count = min(count, MAX_COUNT)
    search.offset = _whole(params, "_offset") or 0
    for name in DATE_PARAMS:
        search.dates += [parse_date(v, name, today) for v in params.get(name, [])]
    for name in TOKEN_PARAMS:
        if name in params and (resource_type != "Patient" or name == "identifier"):
            search.tokens[name] = [_tokens(v) for v in params[name]]
    for name in CHAINS:
        for value in params.get(name, []):
            search.chained += _tokens(value)
    for value in params.get("_include", []):
        if INCLUDES.get(value) is None or not value.startswith(resource_type + ":"):
            raise SearchError(f"_include '{value}' is not supported for {resource_type}")
        search.includes.append(INCLUDES[value])
    for value in params.get("_revinclude", []):
        if value not in revincludes_for(resource_type):
            raise SearchError(f"_revinclude '{value}' is not supported for {resource_type}")
        search.revincludes.append(value)
    for value in params.get("_sort", []):
        for key in value.split(","):
            name = key.removeprefix("-")
            if name not in SORTS[kind_of(resource_type)]:
                raise SearchError(f"_sort '{name}' is not supported for {resource_type}")
            search.sort.append((name, key.startswith("-")))
    for value in params.get("_elements", []):
        if value.startswith("-"):
            raise SearchError("_elements does not take exclusions ('-')")
        search.elements += [e.strip() for e in value.split(",") if e.strip()]
    for value in params.get("_summary", []):
        if value not in SUMMARIES:
            raise SearchError(f"_summary '{value}' is not supported (only count and false)")
        search.summary_count = value == "count"
    for value in params.get("_total", []) + params.get("_totalMethod", []):
        if value not in TOTALS:
            raise SearchError(f"_total '{value}' is not one of {', '.join(TOTALS[:3])}")
        search.total = value != "none"
    return search
