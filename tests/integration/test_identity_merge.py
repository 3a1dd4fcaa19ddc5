"""Merge and unmerge: round trips that lose no source record, misattach nothing built on a
person, and leave a history of who did what."""

from datetime import date

import pytest

from onestory.access.models import CareTeamMembership
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent
from onestory.people.actions import merge_people, run_linkage, unmerge_records
from onestory.people.domain.linkage import DeterministicLinker
from onestory.people.models import LinkDecision, Person, PersonLink
from onestory.sources.models import SourceRecord
from tests import factories as f

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
OFFICER = Actor(id="user:7", label="dq.officer", role="data_quality_officer")


@pytest.fixture
def two_people():
    """Margaret (GP + acute, one NHS number) and a housing record the rule cannot link."""
    nhs = f.nhs_number()
    a1 = f.source_record(f.source_system("gp"), nhs_number=nhs, given_name="Margaret")
    a2 = f.source_record(f.source_system("acute"), nhs_number=nhs, given_name="Margaret")
    b1 = f.source_record(
        f.source_system("housing"), given_name="Peggy", date_of_birth=date(1950, 3, 13)
    )
    run = run_linkage(by=SYSTEM, linker=DeterministicLinker())
    a = PersonLink.objects.get(run=run, record=a1).person_id
    b = PersonLink.objects.get(run=run, record=b1).person_id
    assert a != b
    return a, b, (a1, a2, b1)


def people_now():
    """record id → person id in the current run."""
    return dict(PersonLink.objects.filter(run__is_current=True).values_list("record", "person"))


def assert_every_record_linked_once():
    links = PersonLink.objects.filter(run__is_current=True)
    assert links.count() == SourceRecord.objects.count()
    assert links.values("record").distinct().count() == SourceRecord.objects.count()


def test_merge_then_unmerge_round_trip_restores_people_and_what_hangs_off_them(two_people):
    a, b, (a1, a2, b1) = two_people
    gp_team = f.care_team(Person.objects.get(pk=a), org="B86001")
    housing_team = f.care_team(Person.objects.get(pk=b), org="L4721")
    before = people_now()

    merge_people(by=OFFICER, people=(a, b), reason="Peggy is Margaret's nickname")

    merged = people_now()
    assert merged[a1.pk] == merged[a2.pk] == merged[b1.pk] == a  # the larger person carries on
    assert_every_record_linked_once()

    unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="Different dates of birth")

    assert people_now() == before  # b1 is back with its own person, not a new one
    assert_every_record_linked_once()
    assert Person.objects.count() == 2
    # what was built on each person is where it was
    assert CareTeamMembership.objects.get(pk=gp_team.pk).person_id == a
    assert CareTeamMembership.objects.get(pk=housing_team.pk).person_id == b


def test_merge_keeps_the_person_with_more_records_whichever_way_round(two_people):
    a, b, (a1, _a2, b1) = two_people
    merge_people(by=OFFICER, people=(b, a), reason="same person")
    assert people_now()[b1.pk] == a


def test_merge_and_unmerge_hold_in_later_runs_of_any_engine(two_people):
    a, b, (a1, a2, b1) = two_people
    merge_people(by=OFFICER, people=(a, b), reason="same person")
    run = run_linkage(by=SYSTEM, linker=DeterministicLinker())
    assert {p.person_id for p in PersonLink.objects.filter(run=run)} == {a}

    unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="not the same")
    run = run_linkage(by=SYSTEM, linker=DeterministicLinker())
    now = people_now()
    assert now[a1.pk] == now[a2.pk] == a and now[b1.pk] == b


def test_merge_and_unmerge_history_says_who_did_what(two_people):
    a, b, (a1, _a2, b1) = two_people
    merge_people(by=OFFICER, people=(a, b), reason="same person")
    unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="not the same")

    decisions = list(LinkDecision.objects.order_by("decided_at", "id"))
    assert [(d.via, d.decision) for d in decisions] == [
        ("merge", "link"),
        ("unmerge", "no_link"),
        ("unmerge", "no_link"),
    ]
    assert {d.decided_by for d in decisions} == {"dq.officer"}
    actions = list(
        AuditEvent.objects.filter(action__in=["people.merge", "people.unmerge"])
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [("people.merge", "dq.officer"), ("people.unmerge", "dq.officer")]


def test_unmerge_refuses_records_of_another_person_or_all_of_them(two_people):
    a, b, (a1, a2, b1) = two_people
    with pytest.raises(ValueError, match="must all belong"):
        unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="x")
    with pytest.raises(ValueError, match="at least one record"):
        unmerge_records(by=OFFICER, person=a, record_ids=[a1.pk, a2.pk], reason="x")
    assert_every_record_linked_once()


def test_merge_and_unmerge_reasons_from_the_command_line_are_kept_masked(two_people):
    a, b, (a1, a2, b1) = two_people
    cli = OFFICER.via("cli")
    merge_people(by=cli, people=(a, b), reason="Stephen Clarke NHS 9998910714 same person")
    unmerge_records(by=cli, person=a, record_ids=[b1.pk], reason="DOB 17/09/1951 differs")
    reasons = set(LinkDecision.objects.values_list("reason", flat=True))
    assert "Stephen Clarke NHS [NHS number removed] same person" in reasons
    assert "DOB [date removed] differs" in reasons
    assert "9998910714" not in str(reasons) and "1951" not in str(reasons)


def test_merge_and_unmerge_reasons_from_pages_are_refused_with_nhs_numbers_or_dates(two_people):
    a, b, (a1, a2, b1) = two_people
    with pytest.raises(ValueError, match="Remove the NHS number"):
        merge_people(by=OFFICER, people=(a, b), reason="NHS 9998910714 same person")
    assert not LinkDecision.objects.exists()
    merge_people(by=OFFICER, people=(a, b), reason="same person")
    with pytest.raises(ValueError, match="Remove the date"):
        unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="DOB 17/09/1951")
    with pytest.raises(ValueError, match="Remove the postcode"):
        unmerge_records(by=OFFICER, person=a, record_ids=[b1.pk], reason="lives at LS1 4AP")
    assert people_now()[b1.pk] == a
