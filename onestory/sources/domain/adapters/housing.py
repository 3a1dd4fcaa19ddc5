"""Housing (`housing.csv`): tenancies, adaptations and homelessness duties. No NHS numbers.

People sharing a `household_ref` are household members of each other, so this adapter reads
the whole file before yielding: each row gains a `household_member` relationship to every
other tenant of its household. One file can hold several landlords (a council and a housing
association), each its own system, so a household is keyed by landlord and reference."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar

from onestory.sources.domain import extract_columns
from onestory.sources.domain.adapters.base import (
    PersonColumns,
    TabularAdapter,
    compact,
    read_person,
    read_system,
    title,
)
from onestory.sources.domain.adapters.validation import DMY, RowCheck
from onestory.sources.domain.facts import HOUSING, EventFacts, ParsedRow, RelationshipFacts

PERSON = PersonColumns(
    local_id="tenant_ref",
    nhs_number=None,
    given_name="first_name",
    family_name="surname",
    date_of_birth="date_of_birth",
    date_format=DMY,
    sex=None,
    sex_map={},
    postcode="postcode",
    address="address",
)
RECORD_TYPES = {"tenancy": "tenancy", "adaptation": "adaptation", "homelessness": "homelessness"}
RECORD_LABELS = {
    "tenancy": "Tenancy",
    "adaptation": "Home adaptation",
    "homelessness": "Homelessness",
}


class HousingAdapter(TabularAdapter):
    kind = HOUSING
    person_columns = PERSON
    event_id_field = "record_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.HOUSING

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, HOUSING)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("record_id")
        kind = check.choice("record_type", RECORD_TYPES, required=True)
        start = check.date("start_date", DMY, required=True)
        end = check.end_date("end_date", DMY, start, "start_date")
        detail = check.text("detail")
        event = EventFacts(
            local_id=event_id,
            kind=kind or "housing_record",
            category="housing",
            title=title(RECORD_LABELS.get(kind, "Housing record"), detail),
            start=start,
            end=end,
            status=check.text("status"),
            details=compact(
                {
                    "detail": detail,
                    "household_ref": check.text("household_ref"),
                    "relationship_to_lead": check.text("relationship_to_lead"),
                }
            ),
        )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])

    def read(self, path: Path, today: date | None = None) -> Iterator[ParsedRow]:
        rows = list(super().read(path, today))
        # (org_code, household_ref) -> {tenant_ref: relationship_to_lead}; last row wins.
        households: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)

        def cell(parsed: ParsedRow, name: str) -> str:
            return str(parsed.raw.get(name, "")).strip()

        for parsed in rows:
            key = (cell(parsed, "org_code"), cell(parsed, "household_ref"))
            tenant = cell(parsed, "tenant_ref")
            if key[1] and tenant:
                households[key][tenant] = cell(parsed, "relationship_to_lead")
        for parsed in rows:
            household = cell(parsed, "household_ref")
            tenant = cell(parsed, "tenant_ref")
            members = households.get((cell(parsed, "org_code"), household), {})
            for other, relationship in members.items():
                if other != tenant:
                    parsed.relationships.append(
                        RelationshipFacts(
                            relationship="household_member",
                            related_local_id=other,
                            details=compact(
                                {"household_ref": household, "relationship_to_lead": relationship}
                            ),
                        )
                    )
            yield parsed
