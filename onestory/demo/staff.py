"""The demo's organisations, staff logins, example people and their care teams."""

from collections import Counter, defaultdict

from onestory.demo.common import (
    COMMISSIONER_CODE,
    COMMISSIONER_NAME,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_STAFF_NAMES,
    ORGANISATION_KIND_FOR_SOURCE,
    DemoLogin,
    ExamplePerson,
    PersonLogin,
    _require_demo_environment,
)
from onestory.demo.neighbour import ORGANISATION_CODES as NEIGHBOUR_CODES


def create_demo_organisations(*, by) -> dict[str, object]:
    """One organisation per source system imported, plus the commissioner. Returns them by
    organisation code."""
    from onestory.access.actions import create_organisation
    from onestory.access.models import OrganisationKind
    from onestory.sources.models import SourceSystem

    orgs = {}
    for system in SourceSystem.objects.exclude(org_code__in=NEIGHBOUR_CODES).order_by(
        "kind", "org_code"
    ):
        kind = ORGANISATION_KIND_FOR_SOURCE.get(system.kind)
        if kind is None or system.org_code in orgs:
            # One council can send two extracts (adult social care and children's services):
            # it is one organisation, kept with the kind of the first system seen.
            continue
        orgs[system.org_code] = create_organisation(
            code=system.org_code, name=system.org_name, kind=kind, by=by
        )
    orgs[COMMISSIONER_CODE] = create_organisation(
        code=COMMISSIONER_CODE,
        name=COMMISSIONER_NAME,
        kind=OrganisationKind.COMMISSIONER,
        by=by,
    )
    return orgs


def _organisation_for(kind: str | None, *, by):
    from onestory.access.actions import create_organisation
    from onestory.access.models import Organisation, OrganisationKind
    from onestory.sources.models import SourceSystem

    if kind is not None:
        system = (
            SourceSystem.objects.filter(kind=kind)
            .exclude(org_code__in=NEIGHBOUR_CODES)
            .order_by("org_code")
            .first()
        )
        if system is not None:
            org = Organisation.objects.filter(code=system.org_code).first()
            if org is not None:
                return org
    return create_organisation(
        code=COMMISSIONER_CODE, name=COMMISSIONER_NAME, kind=OrganisationKind.COMMISSIONER, by=by
    )


def create_demo_logins(*, by, password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    """One login per role, each in an organisation that fits the role (the commissioner when
    the borough has no such source). Demo and tests only: refuses in production."""
    _require_demo_environment()
    from onestory.access.actions import create_staff_member

    create_demo_organisations(by=by)
    logins = []
    for username, role, kind, job_title in DEMO_STAFF:
        org = _organisation_for(kind, by=by)
        first_name, last_name = DEMO_STAFF_NAMES.get(username, ("", ""))
        create_staff_member(
            username=username,
            password=password,
            organisation=org,
            role=role,
            job_title=job_title,
            first_name=first_name,
            last_name=last_name,
            by=by,
        )
        logins.append(DemoLogin(username, password, role, org.name))
    return logins


def example_people(*, by, count: int = 3, min_systems: int = 4) -> list[ExamplePerson]:
    """People in the current linkage run whose records come from at least `min_systems`
    source systems, richest first: good people to search for in the demo. Showing someone's
    name is a read of their record, so each person listed gets an audit event."""
    from django.db import transaction
    from django.db.models import Count

    from onestory.audit.actions import record_event
    from onestory.people.models import Person, PersonLink
    from onestory.sources.models import SourceEvent

    links = PersonLink.objects.filter(run__is_current=True)
    candidates = (
        links.values("person_id")
        .annotate(systems=Count("record__system", distinct=True))
        .filter(systems__gte=min_systems)
        .order_by("-systems", "person_id")[: count * 20]
    )
    by_person = {c["person_id"]: c["systems"] for c in candidates}
    if not by_person:
        return []
    records = defaultdict(list)
    for link in links.filter(person_id__in=by_person).select_related("record__system"):
        records[link.person_id].append(link.record)
    event_counts = Counter(
        {
            row["record__links__person_id"]: row["n"]
            for row in SourceEvent.objects.filter(
                record__links__run__is_current=True, record__links__person_id__in=by_person
            )
            .values("record__links__person_id")
            .annotate(n=Count("id"))
        }
    )
    people = []
    for person_id, systems in by_person.items():
        recs = records[person_id]
        # The GP record is usually the best-kept: prefer its name and date of birth.
        recs.sort(key=lambda r: (r.system.kind != "gp", r.date_of_birth is None, r.pk))
        best = recs[0]
        name = f"{best.given_name} {best.family_name}".strip()
        people.append(
            ExamplePerson(person_id, name, best.date_of_birth, systems, event_counts[person_id])
        )
    people.sort(key=lambda p: (-p.systems, -p.events, p.person_id))
    people = people[:count]
    external_ids = dict(
        Person.objects.filter(pk__in=[p.person_id for p in people]).values_list("pk", "external_id")
    )
    with transaction.atomic():
        for p in people:
            record_event(
                by=by,
                action="demo.example_person",
                person_id=str(external_ids[p.person_id]),
                purpose="listed on screen as a person to search for in the demo",
            )
    return people


# Demo logins that join the example people's care teams, with the reason each gives. The
# voluntary worker also needs the person's explicit allow, which the first example person
# gives; the data-quality officer joins for a linkage query about the first person only.
DEMO_CARE_TEAM_REASONS = {
    "gp.demo": "Named GP for the multidisciplinary care review",
    "nurse.demo": "District nursing visits",
    "socialworker.demo": "Allocated social worker",
    "carecoordinator.demo": "Care coordinator for the integrated care plan",
    "mentalhealth.demo": "Care coordinator in the community mental health team",
    "housing.demo": "Tenancy sustainment support",
    "voluntary.demo": "Social prescribing link worker",
}


def create_demo_relationships(
    people: list["ExamplePerson"], *, by, password: str = DEMO_PASSWORD
) -> list[PersonLogin]:
    """Put the example people in the care teams of the demo staff logins (each with a
    reason), have the first of them allow sharing with the voluntary organisation and give
    the data-quality officer a linkage query about them, and give each example person a
    person-portal login. Other people are reached through the source data: the GP login's
    practice registrations, the social worker's open episodes and so on. Demo and tests
    only; safe to repeat."""
    _require_demo_environment()
    from onestory.access.actions import (
        create_person_account,
        join_care_team,
        set_sharing_choice,
    )
    from onestory.access.models import StaffMember
    from onestory.people.models import Person

    staff = {
        s.user.username: s
        for s in StaffMember.objects.select_related("user", "organisation").filter(
            user__username__in=[u for u, _, _, _ in DEMO_STAFF]
        )
    }
    persons = Person.objects.in_bulk([p.person_id for p in people])
    logins = []
    for i, example in enumerate(people, start=1):
        person = persons[example.person_id]
        members = dict(DEMO_CARE_TEAM_REASONS)
        if i == 1:
            members["dq.demo"] = "Linkage query: two records that may be the same person"
            voluntary = staff.get("voluntary.demo")
            if voluntary is not None:
                set_sharing_choice(
                    person=person, organisation=voluntary.organisation, decision="allow", by=by
                )
        for username, reason in members.items():
            if username in staff:
                join_care_team(person=person, staff=staff[username], reason=reason, by=by)
        username = f"portal{i}.demo"
        create_person_account(
            person=person, username=username, password=password, acting_as="self", by=by
        )
        logins.append(PersonLogin(username, password, example.name, "self"))
    return logins
