"""What every adapter shares: the interface, reading CSV and XLSX into raw rows, the person
and system columns, and the field-length limits of the store."""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from onestory.sources.domain.adapters.csv_reader import CsvSource, RawRow
from onestory.sources.domain.adapters.validation import DateFormat, RowCheck
from onestory.sources.domain.facts import ParsedRow, PersonFacts, Problem, System
from onestory.sources.domain.limits import (
    DEFAULT_LIMITS,
    ExtractError,
    ImportLimits,
    check_file_size,
)

__all__ = ["Adapter", "ExtractError", "ImportLimits", "TabularAdapter"]


# The longest value the store keeps for each field; a longer value quarantines the row
# rather than being cut short or failing the whole batch on PostgreSQL.
PERSON_LIMITS = {
    "local_id": 64,
    "nhs_number": 10,
    "given_name": 100,
    "family_name": 100,
    "postcode": 10,
    "address": 300,
    "phone": 30,
}
EVENT_LIMITS = {
    "local_id": 100,
    "kind": 40,
    "status": 40,
    "code": 40,
    "code_system": 100,
    "code_display": 300,
    "practitioner": 200,
}
RELATED_NAME_LIMIT = 200
TITLE_LIMIT = 300
ORG_CODE_LIMIT = 20


def person_limit_problems(person: PersonFacts, names: Mapping[str, str]) -> list[Problem]:
    return [
        Problem(names.get(name, name), f"{name} is longer than {limit} characters")
        for name, limit in PERSON_LIMITS.items()
        if len(getattr(person, name)) > limit
    ]


def check_limits(
    parsed: ParsedRow, fields: Mapping[str, str] | None = None, *, check_person: bool = True
) -> None:
    """Add a problem for every value longer than the store keeps. `fields` maps fact names
    to the source's column names, so the problem names the column the source used."""
    names = fields or {}
    if parsed.system is not None and len(parsed.system.org_code) > ORG_CODE_LIMIT:
        parsed.problems.append(
            Problem(
                names.get("org_code", "org_code"),
                f"organisation code is longer than {ORG_CODE_LIMIT} characters",
            )
        )
    if parsed.person is not None and check_person:
        parsed.problems.extend(person_limit_problems(parsed.person, names))
    for event in parsed.events:
        for name, limit in EVENT_LIMITS.items():
            if len(getattr(event, name)) > limit:
                parsed.problems.append(
                    Problem(names.get(name, name), f"{name} is longer than {limit} characters")
                )
    for rel in parsed.relationships:
        if len(rel.related_name) > RELATED_NAME_LIMIT:
            parsed.problems.append(
                Problem("related_name", f"name is longer than {RELATED_NAME_LIMIT} characters")
            )


def title(*parts: str, detail: str = "") -> str:
    """A timeline title: the non-blank parts joined by an em dash, then any detail in
    brackets ("Emergency admission — Respiratory medicine (COPD exacerbation)")."""
    text = " — ".join(p for p in parts if p)
    if detail:
        text = f"{text} ({detail})"
    return text[:TITLE_LIMIT]


def compact(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details without blank values, so an absent column and an empty one store alike."""
    return {k: v for k, v in details.items() if v not in ("", None)}


@dataclass(frozen=True)
class PersonColumns:
    """Where one source keeps its person-level columns."""

    local_id: str
    nhs_number: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: str | None
    date_format: DateFormat
    sex: str | None
    sex_map: Mapping[str, str]
    postcode: str
    address: str

    @cached_property
    def all_columns(self) -> tuple[str, ...]:
        names = (
            self.local_id,
            self.nhs_number,
            self.given_name,
            self.family_name,
            self.date_of_birth,
            self.sex,
            self.postcode,
            self.address,
        )
        return tuple(n for n in names if n)

    def fields(self) -> dict[str, str]:
        """Fact name -> column name, for naming problems after the source's columns."""
        names = {
            "local_id": self.local_id,
            "nhs_number": self.nhs_number,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "postcode": self.postcode,
            "address": self.address,
        }
        return {k: v for k, v in names.items() if v}


def read_person(
    check: RowCheck,
    cols: PersonColumns,
    cache: dict[tuple[str, ...], tuple[PersonFacts, list[Problem]]] | None = None,
) -> PersonFacts:
    """The person columns of one row, validated. Extracts repeat the person on every
    activity row, so with a `cache` each distinct set of person cells is validated once."""
    key: tuple[str, ...] = ()
    if cache is not None:
        key = tuple(check.text(c) for c in cols.all_columns)
        hit = cache.get(key)
        if hit is not None:
            check.problems.extend(hit[1])
            return hit[0]
    before = len(check.problems)
    person = PersonFacts(
        local_id=check.required(cols.local_id),
        nhs_number=check.nhs_number(cols.nhs_number) if cols.nhs_number else "",
        given_name=check.text(cols.given_name) if cols.given_name else "",
        family_name=check.text(cols.family_name) if cols.family_name else "",
        date_of_birth=(
            check.birth_date(cols.date_of_birth, cols.date_format) if cols.date_of_birth else None
        ),
        sex=check.sex(cols.sex, cols.sex_map) if cols.sex else "",
        postcode=check.postcode(cols.postcode),
        address=check.text(cols.address),
    )
    check.problems.extend(person_limit_problems(person, cols.fields()))
    if cache is not None:
        cache[key] = (person, check.problems[before:])
    return person


def read_system(
    check: RowCheck, kind: str, code_field: str = "org_code", name_field: str = "org_name"
) -> System:
    return System(kind=kind, org_code=check.required(code_field), org_name=check.text(name_field))


class Adapter(ABC):
    """Reads one kind of extract. Subclasses set `kind` and implement `read`."""

    kind: ClassVar[str]
    # Event details that must name another event of the same system: details key -> the
    # kind of that event. Only the importer can check these (the other event may be in
    # another file or already stored).
    references: ClassVar[dict[str, str]] = {}
    # The column holding the event id, to name it when an id repeats within a file.
    event_id_field: ClassVar[str] = "local_id"
    # What one file may hold (size, rows, nesting…); `adapter_for` can lower them.
    limits: ImportLimits = DEFAULT_LIMITS
    # File-level notes that are not errors (e.g. "read as Windows-1252"), each naming the
    # file; filled in as `read` runs.
    warnings: list[str]

    def __init__(self, limits: ImportLimits | None = None) -> None:
        if limits is not None:
            self.limits = limits
        self.warnings = []

    @abstractmethod
    def read(self, path: Path, today: date | None = None) -> Iterator[ParsedRow]:
        """Every row of the file as facts or problems, in file order."""

    @staticmethod
    def clean_raw(raw: Mapping[Any, Any]) -> dict[str, Any]:
        """A raw row as JSON-safe text: cells beyond the header go under `_extra`."""
        if None not in raw and all(type(v) is str for v in raw.values()):
            return dict(raw)  # the usual CSV row
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key is None:
                out["_extra"] = [str(v) for v in value]
            elif value is None:
                out[str(key)] = ""
            elif isinstance(value, date):
                out[str(key)] = value.isoformat()
            elif isinstance(value, str | int | float | bool):
                out[str(key)] = value
            else:
                out[str(key)] = str(value)
        return out


class TabularAdapter(Adapter):
    """An adapter over rows of named columns (CSV or a spreadsheet sheet). Subclasses list
    their `columns` and turn one row into facts in `parse`."""

    columns: ClassVar[tuple[str, ...]]
    person_columns: ClassVar[PersonColumns]
    person_cache: dict[tuple[str, ...], tuple[PersonFacts, list[Problem]]]

    def __init__(self, limits: ImportLimits | None = None) -> None:
        super().__init__(limits)
        self.person_cache = {}

    @abstractmethod
    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        """One row's facts, or its problems."""

    def require_columns(self, path: Path, header: Iterable[str], columns: Iterable[str]) -> None:
        found = set(header)
        missing = [c for c in columns if c not in found]
        if missing:
            shown = [h for h in header if h][:12]
            more = ", …" if len([h for h in header if h]) > 12 else ""
            seen = f"; the header has {', '.join(shown)}{more}" if shown else ""
            raise ExtractError(f"{path.name}: missing column(s) {', '.join(missing)}{seen}")

    def parse_raw_rows(self, rows: Iterable[RawRow], today: date | None) -> Iterator[ParsedRow]:
        names = self.person_columns.fields()
        self.person_cache = {}
        today = today or date.today()
        for item in rows:
            raw = item.cells
            if raw is None:  # the record could not be read at all
                yield ParsedRow(row=item.row, raw={}, problems=item.problems)
                continue
            clean = self.clean_raw(raw)
            check = RowCheck(raw, today=today)
            parsed = self.parse(check, item.row)
            parsed.raw = clean
            parsed.problems = item.problems + check.problems + parsed.problems
            if "_extra" in clean:
                parsed.problems.append(Problem("_extra", "row has more cells than the header"))
            # read_person has checked the person's own lengths (once per distinct person).
            check_limits(parsed, names, check_person=False)
            yield parsed

    def read(self, path: Path, today: date | None = None) -> Iterator[ParsedRow]:
        """Every record of the CSV file (see `csv_reader` for what is done with bad bytes,
        long lines and ragged rows); `warnings` holds the file's notes once read."""
        self.warnings = []
        check_file_size(path, self.limits.max_file_bytes)
        with path.open("rb") as fh:
            source = CsvSource(fh, path.name, self.limits)
            try:
                header = source.read_header()
                self.require_columns(path, header, self.columns)
                yield from self.parse_raw_rows(source.records(), today)
            finally:
                self.warnings.extend(source.lines.warnings())
