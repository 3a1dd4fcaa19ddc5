"""Mental health trust and community health extracts: the same shape, two kinds."""

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
from onestory.sources.domain.facts import COMMUNITY, MENTAL_HEALTH, EventFacts, ParsedRow

PERSON = PersonColumns(
    local_id="patient_id",
    nhs_number="nhs_number",
    given_name="given_name",
    family_name="family_name",
    date_of_birth="date_of_birth",
    date_format=ISO,
    sex="gender",
    sex_map=SEX_WORDS,
    postcode="postcode",
    address="address",
)
CATEGORY = {MENTAL_HEALTH: "mental_health", COMMUNITY: "community_health"}
REFERRAL_STATUS = {"open": "open", "closed": "closed"}


class TrustAdapter(TabularAdapter):
    person_columns = PERSON

    @property
    def category(self) -> str:
        return CATEGORY[self.kind]


class ReferralAdapter(TrustAdapter):
    """`*_referrals.csv`: one row per referral to a team."""

    event_id_field = "referral_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.TRUST_REFERRALS

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, self.kind)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("referral_id")
        referred = check.date("referral_date", ISO, required=True)
        closed = check.end_date("closed_date", ISO, referred, "referral_date")
        status = check.choice("status", REFERRAL_STATUS)
        team = check.text("team")
        reason = check.text("reason")
        source = check.text("referral_source")
        event = EventFacts(
            local_id=event_id,
            kind="referral",
            category=self.category,
            title=title(f"Referral to {team}" if team else "Referral", reason),
            start=referred,
            end=closed,
            status=status,
            details=compact({"team": team, "reason": reason, "referral_source": source}),
        )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])


class ContactAdapter(TrustAdapter):
    """`*_contacts.csv`: one row per contact, each under a referral of the same system
    (the importer checks that the referral exists)."""

    event_id_field = "contact_id"
    columns: ClassVar[tuple[str, ...]] = extract_columns.TRUST_CONTACTS
    # details key -> the kind of event in the same system it must name.
    references: ClassVar[dict[str, str]] = {"referral_id": "referral"}

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        system = read_system(check, self.kind)
        person = read_person(check, PERSON, self.person_cache)
        event_id = check.required("contact_id")
        referral_id = check.required("referral_id")
        when = check.date("contact_date", ISO, required=True)
        contact_type = check.text("contact_type")
        outcome = check.text("outcome")
        label = f"{contact_type.capitalize()} contact" if contact_type else "Contact"
        event = EventFacts(
            local_id=event_id,
            kind="contact",
            category=self.category,
            title=title(label, outcome),
            start=when,
            end=when,
            practitioner=check.text("clinician"),
            details=compact(
                {"referral_id": referral_id, "contact_type": contact_type, "outcome": outcome}
            ),
        )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])


class MentalHealthReferrals(ReferralAdapter):
    kind = MENTAL_HEALTH


class MentalHealthContacts(ContactAdapter):
    kind = MENTAL_HEALTH


class CommunityReferrals(ReferralAdapter):
    kind = COMMUNITY


class CommunityContacts(ContactAdapter):
    kind = COMMUNITY
