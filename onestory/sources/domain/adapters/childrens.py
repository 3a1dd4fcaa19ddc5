"""Children's services (`childrens_services.csv`): child in need episodes, child protection
plans and education, health and care plans. A named parent or carer gives a `parent`
relationship when the source says mother, father or parent, otherwise `carer`."""

import re
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
from onestory.sources.domain.adapters.validation import DMY, SEX_MFU, RowCheck
from onestory.sources.domain.facts import (
    CHILDREN,
    CHILDRENS_SERVICES,
    SAFEGUARDING,
    EventFacts,
    ParsedRow,
    RelationshipFacts,
)

PERSON = PersonColumns(
    local_id="child_id",
    nhs_number="nhs_number",
    given_name="forename",
    family_name="surname",
    date_of_birth="dob",
    date_format=DMY,
    sex="sex",
    sex_map=SEX_MFU,
    postcode="postcode",
    address="address",
)
RECORD_TYPES = {"CIN": "child_in_need", "CPP": "child_protection_plan", "EHCP": "ehcp"}
RECORD_LABELS = {
    "child_in_need": "Child in need episode",
    "child_protection_plan": "Child protection plan",
    "ehcp": "Education, health and care plan",
}
PARENT_WORDS = {"mother", "father", "parent", "mum", "dad", "stepmother", "stepfather"}


class ChildrensServicesAdapter(TabularAdapter):
    kind = CHILDRENS_SERVICES
    person_columns = PERSON
    event_id_field = "record_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.CHILDRENS_SERVICES

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, CHILDRENS_SERVICES)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("record_id")
        kind = check.choice("record_type", RECORD_TYPES, required=True)
        start = check.date("start_date", DMY, required=True)
        end = check.end_date("end_date", DMY, start, "start_date")
        category = check.text("category")
        event = EventFacts(
            local_id=event_id,
            kind=kind or "childrens_record",
            # A child protection plan is safeguarding information, which the person (or
            # their family) may refuse to share; other children's records are not.
            category=SAFEGUARDING if kind == "child_protection_plan" else CHILDREN,
            title=title(RECORD_LABELS.get(kind, "Children's services record"), category),
            start=start,
            end=end,
            status="closed" if end else "open",
            details=compact(
                {
                    "record_type": check.text("record_type").upper(),
                    "category": category,
                    "school": check.text("school"),
                }
            ),
        )
        relationships = []
        name = check.text("parent_carer_name")
        if name:
            said = check.text("parent_carer_relationship")
            is_parent = bool(PARENT_WORDS & set(re.findall(r"[a-z]+", said.lower())))
            relationships.append(
                RelationshipFacts(
                    relationship="parent" if is_parent else "carer",
                    related_name=name,
                    details=compact({"relationship": said}),
                )
            )
        return ParsedRow(
            row=row,
            raw={},
            system=system,
            person=person,
            events=[event],
            relationships=relationships,
        )
