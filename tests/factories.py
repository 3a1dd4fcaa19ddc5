"""Test data as plain functions: each creates one row with sensible synthetic defaults and
returns it. Every NHS number here is synthetic (999 range, Modulus 11)."""

import hashlib
import itertools
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from onestory.access.models import (
    BreakGlassGrant,
    CareTeamMembership,
    Organisation,
    PersonAccount,
    SharingChoice,
    StaffMember,
)
from onestory.people.domain.nhs_number import check_digit
from onestory.people.domain.normalise import name_key, postcode_key
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.sources.models import SourceEvent, SourceRecord, SourceRelationship, SourceSystem

_seq = itertools.count(1)

PASSWORD = "correct-horse-battery-staple"


def _hash(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def nhs_number(n: int | None = None) -> str:
    """A valid synthetic NHS number (999 range) derived from `n`."""
    n = next(_seq) if n is None else n
    while True:
        first_nine = f"999{n % 1_000_000:06d}"
        check = check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
        n += 1


def source_system(
    kind: str = "gp", org_code: str | None = None, org_name: str = ""
) -> SourceSystem:
    org_code = org_code or f"X{next(_seq):05d}"
    system, _ = SourceSystem.objects.get_or_create(
        code=f"{kind}:{org_code}",
        defaults={"kind": kind, "org_code": org_code, "org_name": org_name or f"Org {org_code}"},
    )
    return system


def source_record(system: SourceSystem | None = None, **fields) -> SourceRecord:
    system = system or source_system()
    defaults = {
        "local_id": f"L{next(_seq)}",
        "given_name": "Ann",
        "family_name": "Example",
        "date_of_birth": date(1950, 3, 31),
        "sex": "female",
        "postcode": "LS2 5ZN",
        "address": "1 Test Street, Leeds",
    }
    defaults.update(fields)
    record = SourceRecord(system=system, **defaults)
    record.norm_given = name_key(record.given_name)
    record.norm_family = name_key(record.family_name)
    record.norm_postcode = postcode_key(record.postcode)
    record.content_hash = _hash(system.code, record.local_id, record.given_name)
    record.save()
    return record


def source_event(record: SourceRecord, **fields) -> SourceEvent:
    defaults = {
        "local_id": f"E{next(_seq)}",
        "kind": "encounter",
        "category": "clinical",
        "title": "GP consultation",
        "start": date(2025, 3, 3),
        "source_file": f"{record.system.kind}.csv",
        "source_row": next(_seq),
    }
    defaults.update(fields)
    event = SourceEvent(system=record.system, record=record, **defaults)
    event.content_hash = _hash(record.system.code, event.local_id)
    event.save()
    return event


def source_relationship(record: SourceRecord, relationship: str, **fields) -> SourceRelationship:
    return SourceRelationship.objects.create(
        system=record.system, record=record, relationship=relationship, **fields
    )


def linkage_run(current: bool = True) -> LinkageRun:
    """A finished run; the current one by default (demoting any other current run)."""
    if current:
        LinkageRun.objects.filter(is_current=True).update(is_current=False)
    version = (
        LinkageRun.objects.order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    return LinkageRun.objects.create(
        version=version,
        method="deterministic",
        finished_at=timezone.now(),
        run_by="tests",
        is_current=current,
    )


def current_run() -> LinkageRun:
    return LinkageRun.objects.filter(is_current=True).first() or linkage_run()


def person() -> Person:
    return Person.objects.create()


def link(record: SourceRecord, to: Person, run: LinkageRun | None = None, rule: str = "nhs_number"):
    return PersonLink.objects.create(run=run or current_run(), record=record, person=to, rule=rule)


def linked_person(*records: SourceRecord, run: LinkageRun | None = None) -> Person:
    """A new person with these records linked to them in the (current) run."""
    p = person()
    for r in records:
        link(r, p, run=run)
    return p


def organisation(code: str = "Y12345", name: str = "Leeds Health Partnership", kind="commissioner"):
    org, _ = Organisation.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    return org


def user(username: str | None = None, role: str = "gp", org: Organisation | None = None, **kw):
    """A user with a staff profile in `org` (created if needed) and the test password."""
    username = username or f"user{next(_seq)}"
    u = get_user_model().objects.create_user(username=username, password=PASSWORD, **kw)
    if role:
        StaffMember.objects.create(user=u, organisation=org or organisation(), role=role)
    return u


def rich_person(events_per_system: int = 2, start: date = date(2025, 3, 3)) -> Person:
    """One person known to five source systems (GP, acute, mental health, adult social care,
    housing), each with a few timeline entries, linked in the current run."""
    nhs = nhs_number()
    gp = source_system("gp", "B86001", "Beech Tree Surgery")
    acute = source_system("acute", "RR8", "Leeds Teaching Hospitals")
    mh = source_system("mental_health", "RGD", "Leeds and York Partnership")
    asc = source_system("adult_social_care", "E08000035", "Leeds City Council")
    housing = source_system("housing", "H001", "Leeds Housing")
    records = [
        source_record(gp, nhs_number=nhs, given_name="Margaret", family_name="Oldroyd"),
        source_record(acute, nhs_number=nhs, given_name="Margaret", family_name="Oldroyd"),
        source_record(mh, nhs_number=nhs, given_name="Maggie", family_name="Oldroyd"),
        source_record(asc, given_name="Margaret", family_name="Oldroyd"),
        source_record(housing, given_name="Margaret", family_name="Oldroyd-Smith"),
    ]
    kinds = {
        "gp": ("encounter", "clinical", "GP consultation"),
        "acute": ("ae_attendance", "clinical", "A&E attendance: fall"),
        "mental_health": ("contact", "mental_health", "Older adults CMHT contact"),
        "adult_social_care": ("assessment", "social_care", "Care Act assessment"),
        "housing": ("adaptation", "housing", "Adaptation: Stairlift"),
    }
    for r in records:
        kind, category, title = kinds[r.system.kind]
        for i in range(events_per_system):
            source_event(
                r, kind=kind, category=category, title=title, start=start - timedelta(days=7 * i)
            )
    return linked_person(*records)


def care_team(
    p: Person, user=None, org: Organisation | str | None = None, reason: str = "Named GP"
) -> CareTeamMembership:
    """Put `user`'s staff profile (or, with only `org`, that organisation's whole team) in
    the person's care team: a legitimate relationship. `org` may be an organisation code."""
    staff = user.staff if user is not None else None
    if isinstance(org, str):
        org = organisation(org, f"Organisation {org}")
    org = org or staff.organisation
    return CareTeamMembership.objects.create(
        person=p,
        organisation=org,
        staff=staff,
        reason=reason,
        started_at=timezone.now(),
        started_by="tests",
    )


def sharing_choice(
    p: Person, org: Organisation | None = None, category: str = "", decision: str = "refuse"
) -> SharingChoice:
    return SharingChoice.objects.create(
        person=p,
        organisation=org,
        category=category,
        decision=decision,
        set_at=timezone.now(),
        set_by="tests",
        set_by_kind="self",
    )


def break_glass_grant(p: Person, user, hours: float = 4, reason: str = "Unconscious in A&E"):
    now = timezone.now()
    return BreakGlassGrant.objects.create(
        staff=user.staff,
        person=p,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
    )


def person_user(p: Person, username: str | None = None, acting_as: str = "self", name: str = ""):
    """A person-facing login for `p` (or their named representative)."""
    u = user(username, role="")
    PersonAccount.objects.create(user=u, person=p, acting_as=acting_as, representative_name=name)
    return u


def casefinding_population(n: int = 60, seed: int = 1) -> list[Person]:
    """`n` people at one GP practice, linked in the current run, for case finding as at
    31 October 2026: ages 40–95; conditions (SNOMED CT) and emergency admissions rising with
    age, so that every year has people with and without an admission. Returns the people,
    oldest last."""
    import random

    rng = random.Random(seed)
    gp = source_system("gp", "Y02101", "Ashbridge Health Centre")
    acute = source_system("acute", "R9A", "Ashbridge Teaching Hospitals")
    conditions = [
        "38341003",
        "44054006",
        "84114007",
        "49436004",
        "52448006",
        "13645005",
        "161898004",
        "64859006",
        "165232002",
        "15188001",
    ]
    people = []
    for i in range(n):
        age = 40 + (55 * i) // max(n - 1, 1)
        frail = i / max(n - 1, 1)
        nhs = nhs_number()
        g = source_record(
            gp,
            nhs_number=nhs,
            given_name=f"Case{i}",
            family_name="Finding",
            date_of_birth=date(2026 - age, 3, 1),
            postcode="LS12 3AB",
        )
        a = source_record(
            acute,
            nhs_number=nhs,
            given_name=f"Case{i}",
            family_name="Finding",
            date_of_birth=date(2026 - age, 3, 1),
            postcode="LS12 3AB",
        )
        for code in conditions[: int(frail * len(conditions))]:
            source_event(
                g,
                kind="condition",
                title="Diagnosis",
                code=code,
                code_system="http://snomed.info/sct",
                start=date(2020, 1, 1),
            )
        for year_start in (date(2024, 11, 15), date(2025, 11, 15)):
            if rng.random() < 0.1 + 0.7 * frail:
                admitted = year_start + timedelta(days=rng.randint(0, 300))
                source_event(
                    a,
                    kind="admission",
                    title="Emergency admission",
                    start=admitted,
                    end=admitted + timedelta(days=rng.randint(1, 12)),
                    code="233604007",
                    code_display="Pneumonia",
                    details={
                        "admission_method": "emergency",
                        "discharge_destination": "usual place of residence",
                    },
                )
        people.append(linked_person(g, a))
    return people
