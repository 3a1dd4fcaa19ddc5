from datetime import date

import pytest

from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import run_linkage
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.sources.models import SourceRecord, SourceSystem

pytestmark = pytest.mark.django_db
BY = Actor.system("test")


def system(code):
    kind, org = code.split(":")
    return SourceSystem.objects.get_or_create(
        code=code, defaults={"kind": kind, "org_code": org, "org_name": org}
    )[0]


def record(code, local_id, nhs="", family="Smith", dob=date(1941, 3, 5), postcode="AB1 2CD"):
    return SourceRecord.objects.create(
        system=system(code),
        local_id=local_id,
        nhs_number=nhs,
        family_name=family,
        norm_family=family.lower(),
        date_of_birth=dob,
        postcode=postcode,
        norm_postcode=postcode.replace(" ", ""),
        content_hash=local_id,
    )


def person_of(rec, run):
    return PersonLink.objects.get(run=run, record=rec).person_id


def test_run_linkage_links_across_systems_and_audits():
    gp = record("gp:Y1", "g1", nhs="9990000018")
    acute = record("acute:R1", "a1", nhs="9990000018")
    asc = record("adult_social_care:C1", "s1")  # no NHS number: joins on demographics
    other = record("housing:H1", "h1", family="Jones")

    run = run_linkage(by=BY, linker=DeterministicLinker())

    assert run.is_current and run.version == 1
    assert person_of(gp, run) == person_of(acute, run) == person_of(asc, run)
    assert person_of(other, run) != person_of(gp, run)
    assert run.stats["people"] == 2 and run.stats["records"] == 4
    event = AuditEvent.objects.get(action="people.link")
    assert event.detail["version"] == 1
    assert "Smith" not in str(event.detail)


def test_run_linkage_second_run_keeps_people_and_supersedes_first():
    a = record("gp:Y1", "g1", nhs="9990000018")
    b = record("acute:R1", "a1", nhs="9990000018")
    first = run_linkage(by=BY, linker=DeterministicLinker())
    person = person_of(a, first)

    c = record("community:R2", "c1", nhs="9990000018")  # arrives later
    second = run_linkage(by=BY, linker=DeterministicLinker())

    first.refresh_from_db()
    assert not first.is_current and second.is_current and second.version == 2
    assert person_of(a, second) == person_of(b, second) == person_of(c, second) == person
    assert second.stats["new_people"] == 0
    assert LinkageRun.objects.filter(is_current=True).count() == 1
    assert Person.objects.count() == 1
    # the first run's clusters are kept as they were
    assert PersonLink.objects.filter(run=first).count() == 2


def test_run_linkage_split_keeps_person_on_larger_part():
    a = record("gp:Y1", "g1", nhs="9990000018")
    b = record("acute:R1", "a1", nhs="9990000018")
    c = record("mental_health:R3", "m1", nhs="9990000018")
    first = run_linkage(by=BY, linker=DeterministicLinker())
    person = person_of(a, first)

    SourceRecord.objects.filter(pk=c.pk).update(nhs_number="9990000026", norm_family="jones")
    second = run_linkage(by=BY, linker=DeterministicLinker())

    assert person_of(a, second) == person_of(b, second) == person
    assert person_of(c, second) != person
    assert second.stats["records_moved"] == 1
