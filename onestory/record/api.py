"""JSON endpoints for the integrated record: the same audited queries the pages use."""

import uuid
from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema

from onestory.access.policy import actor_for_user
from onestory.record import queries
from onestory.record.domain.search import parse_search

router = Router(tags=["people"])


class ErrorOut(Schema):
    detail: str


class SearchErrorOut(Schema):
    detail: str
    errors: dict[str, str]


class SystemOut(Schema):
    code: str = Field(description="<kind>:<organisation code>")
    kind: str
    kind_label: str
    org_code: str
    org_name: str


class PersonSummaryOut(Schema):
    id: uuid.UUID = Field(alias="person_id")
    name: str
    given_name: str
    family_name: str
    date_of_birth: date | None = Field(description="null when withheld (see `withheld`)")
    nhs_number: str | None = Field(
        description="Formatted 3-3-4; empty when no source holds one; null when withheld"
    )
    postcode: str | None = Field(description="null when withheld")
    systems: int | None = Field(
        description="How many source systems hold a record for the person; null when withheld"
    )
    access: bool = Field(
        description="Whether the caller holds access to the record now (care team, open "
        "episode or break-glass); without it, the record answers 403 and the result shows "
        "only enough to confirm who the person is"
    )
    birth_year: int | None = None
    withheld: list[str] = Field(
        description="Fields not shown because the caller has no relationship with the "
        "person (ADR 0011)"
    )
    match: float = Field(description="1 for a match as typed; less for a misspelt name")


class SearchOut(Schema):
    total: int = Field(description="People listed across every page")
    limit: int
    offset: int
    page: int
    pages: int
    results: list[PersonSummaryOut] = Field(alias="people")
    not_shared: int = Field(
        description="People matching a precise query who chose not to share their record "
        "with the caller's organisation (never named)"
    )
    related_only: bool = Field(
        description="True when the query was not precise enough (an NHS number, or a name "
        "with a full date of birth) to list people the caller has no relationship with"
    )


class VariantOut(Schema):
    system: SystemOut
    local_id: str
    name: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    birth_year: int | None
    birth_month: int | None
    sex: str
    nhs_number: str
    postcode: str
    address: str
    phone: str


class IdentityOut(Schema):
    name: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    nhs_number: str
    postcode: str
    address: str
    phone: str
    preferred_from: SystemOut
    variants: list[VariantOut] = Field(description="Who each source system thinks they are")


class ConditionOut(Schema):
    code: str
    code_system: str
    display: str
    onset: date | None
    systems: list[SystemOut]


class ProfessionalOut(Schema):
    name: str
    last_seen: date | None
    entries: int


class OrganisationOut(Schema):
    system: SystemOut
    local_ids: list[str]
    events: int
    first_event: date | None
    last_event: date | None
    professionals: list[ProfessionalOut]


class ServiceOut(Schema):
    group: str
    kind: str
    title: str
    start: date | None
    status: str
    system: SystemOut
    hours_per_week: float | None
    weekly_cost_pence: int | None

    @staticmethod
    def resolve_hours_per_week(obj) -> float | None:
        return float(obj.hours_per_week) if obj.hours_per_week is not None else None

    @staticmethod
    def resolve_weekly_cost_pence(obj) -> int | None:
        return obj.weekly_cost.pence if obj.weekly_cost is not None else None


class RelatedOut(Schema):
    relationship: str
    relationship_label: str
    person_id: uuid.UUID | None = Field(description="Set when the other record is linked")
    name: str
    date_of_birth: date | None
    description: str = Field(description="The sources' own words, such as 'Daughter'")
    how: str
    systems: list[SystemOut]


class WithheldOut(Schema):
    category: str
    label: str
    reason: str = Field(
        description='"role" (the caller\'s role does not see it) or "person_choice" (the '
        "person chose not to share it). Follows from the access decision alone: it does "
        "not say whether the record holds anything in the category"
    )


class PersonRecordOut(Schema):
    id: uuid.UUID = Field(alias="person_id")
    nhs_number: str
    age: int | None
    identity: IdentityOut
    conditions: list[ConditionOut]
    organisations: list[OrganisationOut]
    current_services: list[ServiceOut]
    household: list[RelatedOut]
    family: list[RelatedOut]
    withheld: list[WithheldOut] = Field(
        description="Data categories not shown to the caller, in any section; services, "
        "teams and staff of a withheld sensitive category are not named either"
    )


class TimelineItemOut(Schema):
    start: date | None
    end: date | None
    kind: str
    kind_label: str
    category: str
    category_label: str
    title: str
    status: str
    code: str
    code_system: str
    code_display: str
    practitioner: str
    details: dict[str, Any]
    system: SystemOut
    event_local_id: str
    record_local_id: str
    source_file: str
    source_row: int | None


class FacetOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class TimelineOut(Schema):
    person_id: uuid.UUID
    total: int
    page: int
    page_size: int
    pages: int
    items: list[TimelineItemOut]
    systems: list[FacetOut]
    kinds: list[FacetOut]
    categories: list[FacetOut]
    withheld: list[WithheldOut] = Field(description="Data categories not shown to the caller")


class TimelineFilters(Schema):
    system: list[str] | None = Field(None, description="Source system codes to include")
    kind: list[str] | None = Field(None, description="Entry kinds to include")
    category: list[str] | None = Field(None, description="Data categories to include")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)
    from_date: date | None = Field(None, description="Entries starting on or after (YYYY-MM-DD)")
    to_date: date | None = Field(None, description="Entries starting on or before (YYYY-MM-DD)")


_ERRORS = {401: ErrorOut, 403: ErrorOut}


@router.get(
    "",
    response={200: SearchOut, 400: SearchErrorOut, **_ERRORS},
    summary="Search for people",
)
def search_people(
    request,
    name: str = "",
    dob: str = Query("", description="DD/MM/YYYY or YYYY-MM-DD"),
    nhs_number: str = "",
    postcode: str = Query("", description="A full postcode or its first part"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, description="Skip this many results"),
    page: int | None = Query(None, ge=1, description="Page number (of `limit`); overrides offset"),
):
    """People with a linked record matching every criterion given (at least one); a name
    may be misspelt. Without a relationship, only a precise query lists a person, and then
    only their name and year of birth (ADR 0011)."""
    by = actor_for_user(request.user, "api")
    query = parse_search(name=name, dob=dob, nhs_number=nhs_number, postcode=postcode)
    if page is not None:
        offset = (page - 1) * limit
    return queries.search_people(query, by=by, limit=limit, offset=offset)


@router.get(
    "/{person_id}",
    response={200: PersonRecordOut, 404: ErrorOut, **_ERRORS},
    summary="A person's record summary",
)
def person_record(request, person_id: uuid.UUID):
    """Identity, conditions, who is involved, current services, household, family and
    carers, and the source systems holding a record."""
    by = actor_for_user(request.user, "api")
    return queries.get_person_record(person_id, by=by)


@router.get(
    "/{person_id}/timeline",
    response={200: TimelineOut, 404: ErrorOut, **_ERRORS},
    summary="A person's timeline across every source",
)
def person_timeline(request, person_id: uuid.UUID, filters: Query[TimelineFilters]):
    """Newest first, filterable by source system, kind and category, one page at a time."""
    by = actor_for_user(request.user, "api")
    return queries.get_timeline(
        person_id,
        by=by,
        systems=filters.system or [],
        kinds=filters.kind or [],
        categories=filters.category or [],
        page=filters.page,
        page_size=filters.page_size,
        date_from=filters.from_date,
        date_to=filters.to_date,
    )
