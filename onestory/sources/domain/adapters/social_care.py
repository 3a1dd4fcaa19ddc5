"""Adult social care: the Client Level Data shaped extract (`adult_social_care_cld.csv`).

Relationships, as what the other person is to this one: a Service User row naming an
unpaid carer gives `carer` (by name); a Carer row naming `cared_for_la_person_id` gives
`cared_for` (by local id: the person this carer looks after)."""

from decimal import Decimal
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
from onestory.sources.domain.adapters.validation import ISO, SEX_WORDS, RowCheck
from onestory.sources.domain.facts import (
    ADULT_SOCIAL_CARE,
    EventFacts,
    ParsedRow,
    RelationshipFacts,
)

PERSON = PersonColumns(
    local_id="la_person_id",
    nhs_number="nhs_number",
    given_name="first_name",
    family_name="last_name",
    date_of_birth="date_of_birth",
    date_format=ISO,
    sex="gender",
    sex_map=SEX_WORDS,
    postcode="postcode",
    address="address",
)
EVENT_TYPES = {
    "Request": "request",
    "Assessment": "assessment",
    "Service": "service",
    "Review": "review",
}
CLIENT_TYPES = {"Service User": "service_user", "Carer": "carer"}


def _hours(value: Decimal | None) -> int | float | None:
    """Hours for the details: whole hours as int, otherwise to two places (hours, not
    money, so a JSON number is the right shape)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 2))


def _event_title(kind: str, check: RowCheck, weekly_pence: int | None) -> str:
    reason = check.text("primary_support_reason")
    if kind == "request":
        return title("Request for support", reason, detail=check.text("route_of_access"))
    if kind == "assessment":
        return title("Assessment", check.text("assessment_type"), detail=reason)
    if kind == "service":
        component = check.text("service_component") or "Service"
        cost = f"£{weekly_pence / 100:,.2f} a week" if weekly_pence is not None else ""
        return title(component, check.text("service_type"), detail=cost)
    return title("Review", check.text("event_outcome"))


class AdultSocialCareAdapter(TabularAdapter):
    kind = ADULT_SOCIAL_CARE
    person_columns = PERSON
    event_id_field = "event_reference"
    columns: ClassVar[tuple[str, ...]] = extract_columns.ADULT_SOCIAL_CARE_CLD

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, ADULT_SOCIAL_CARE)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("event_reference")
        kind = check.choice("event_type", EVENT_TYPES, required=True)
        start = check.date("event_start_date", ISO, required=True)
        end = check.end_date("event_end_date", ISO, start, "event_start_date")
        client_type = check.choice("client_type", CLIENT_TYPES)
        hours = check.non_negative_number("planned_hours_per_week")
        weekly_pence = check.pence("unit_cost_weekly_pounds")
        event = EventFacts(
            local_id=event_id,
            kind=kind or "social_care_event",
            category="social_care",
            title=_event_title(kind, check, weekly_pence),
            start=start,
            end=end,
            status="closed" if end else "open",
            details=compact(
                {
                    "event_outcome": check.text("event_outcome"),
                    "client_type": client_type,
                    "primary_support_reason": check.text("primary_support_reason"),
                    "route_of_access": check.text("route_of_access"),
                    "assessment_type": check.text("assessment_type"),
                    "service_type": check.text("service_type"),
                    "service_component": check.text("service_component"),
                    "delivery_mechanism": check.text("delivery_mechanism"),
                    "planned_hours_per_week": _hours(hours),
                    "weekly_cost_pence": weekly_pence,
                }
            ),
        )
        relationships = []
        carer_name = check.text("unpaid_carer_name")
        if carer_name:
            relationships.append(
                RelationshipFacts(
                    relationship="carer",
                    related_name=carer_name,
                    details=compact({"relationship": check.text("unpaid_carer_relationship")}),
                )
            )
        cared_for = check.text("cared_for_la_person_id")
        if cared_for:
            relationships.append(
                RelationshipFacts(relationship="cared_for", related_local_id=cared_for)
            )
        return ParsedRow(
            row=row,
            raw={},
            system=system,
            person=person,
            events=[event],
            relationships=relationships,
        )
