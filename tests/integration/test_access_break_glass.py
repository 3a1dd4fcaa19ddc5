"""Break-glass: a reason is required, access expires, the grant goes to the review queue of
the right organisation's privacy lead, and the review is audited. Plus tampering with the
audit log, found by `onestory audit verify`."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from onestory.access.actions import break_glass, review_break_glass
from onestory.access.models import BreakGlassGrant
from onestory.access.policy import actor_for_user, decide
from onestory.access.queries import break_glass_queue
from onestory.audit.models import AuditEvent
from onestory.cli import main
from onestory.record import queries
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    margaret = f.rich_person()
    ae = f.organisation("RXA", "Riverside Hospital", "acute_trust")
    other = f.organisation("RXB", "Hilltop Hospital", "acute_trust")
    doctor = f.user("dr.ae", role="gp", org=ae)
    lead = f.user("privacy.ae", role="privacy_lead", org=ae)
    other_lead = f.user("privacy.hill", role="privacy_lead", org=other)
    return {
        "person": margaret,
        "doctor": doctor,
        "by": actor_for_user(doctor),
        "lead": actor_for_user(lead),
        "other_lead": actor_for_user(other_lead),
    }


def _clock(monkeypatch, at):
    monkeypatch.setattr(timezone, "now", lambda: at)


@pytest.mark.parametrize("reason", ["", "   ", "urgent"])
def test_break_glass_requires_a_reason_of_ten_characters(world, reason):
    with pytest.raises(ValueError, match="at least 10"):
        break_glass(
            person=world["person"], staff=world["doctor"].staff, reason=reason, by=world["by"]
        )
    assert not AuditEvent.objects.filter(action="access.break_glass").exists()
    assert not decide(world["by"], world["person"]).allowed


def test_break_glass_grants_access_until_it_expires(world, monkeypatch, settings):
    settings.ONESTORY_BREAK_GLASS_HOURS = 4
    start = timezone.now()
    _clock(monkeypatch, start)
    person, by = world["person"], world["by"]
    with pytest.raises(PermissionDenied):
        queries.get_person_record(person.external_id, by=by)

    grant = break_glass(
        person=person, staff=world["doctor"].staff, reason="Unconscious in A&E", by=by
    )
    assert grant.expires_at == start + timedelta(hours=4)
    event = AuditEvent.objects.get(action="access.break_glass")
    assert event.person_id == str(person.external_id)
    assert event.purpose == "Unconscious in A&E"
    decision = decide(by, person)
    assert decision.allowed and decision.basis == "break_glass"
    queries.get_person_record(person.external_id, by=by)

    _clock(monkeypatch, start + timedelta(hours=3, minutes=59))
    assert decide(by, person).allowed
    _clock(monkeypatch, start + timedelta(hours=4, seconds=1))
    assert not decide(by, person).allowed
    with pytest.raises(PermissionDenied):
        queries.get_timeline(person.external_id, by=by)
    assert AuditEvent.objects.filter(action="record.denied").count() == 2


def test_break_glass_blocked_by_the_persons_refusal(world):
    f.sharing_choice(world["person"], world["doctor"].staff.organisation, decision="refuse")
    with pytest.raises(PermissionDenied):
        break_glass(
            person=world["person"],
            staff=world["doctor"].staff,
            reason="Unconscious in A&E",
            by=world["by"],
        )
    assert not AuditEvent.objects.filter(action="access.break_glass").exists()


def test_break_glass_refused_to_roles_without_it(world):
    housing = f.user("housing.bg", role="housing_officer")
    with pytest.raises(PermissionDenied):
        break_glass(
            person=world["person"],
            staff=housing.staff,
            reason="Worried about a tenant",
            by=actor_for_user(housing),
        )


def test_break_glass_goes_to_the_review_queue_of_its_organisations_privacy_lead(world):
    grant = break_glass(
        person=world["person"],
        staff=world["doctor"].staff,
        reason="Unconscious in A&E",
        by=world["by"],
    )
    (entry,) = break_glass_queue(by=world["lead"])
    assert (entry.grant_id, entry.staff, entry.reason) == (grant.pk, "dr.ae", grant.reason)
    assert entry.active and entry.organisation == "Riverside Hospital"
    assert break_glass_queue(by=world["other_lead"]) == ()
    with pytest.raises(PermissionDenied):
        break_glass_queue(by=world["by"])

    with pytest.raises(PermissionDenied):
        review_break_glass(grant=grant, outcome="appropriate", note="", by=world["other_lead"])
    reviewed = review_break_glass(
        grant=grant, outcome="appropriate", note="Patient was unconscious", by=world["lead"]
    )
    assert reviewed.reviewed_by == "privacy.ae" and reviewed.review_outcome == "appropriate"
    event = AuditEvent.objects.get(action="access.review_break_glass")
    assert event.person_id == str(world["person"].external_id)
    assert event.detail["outcome"] == "appropriate"
    assert break_glass_queue(by=world["lead"]) == ()
    (done,) = break_glass_queue(by=world["lead"], include_reviewed=True)
    assert done.outcome == "appropriate"
    with pytest.raises(ValueError, match="already been reviewed"):
        review_break_glass(grant=grant, outcome="inappropriate", note="", by=world["lead"])


def test_review_outcome_must_be_known(world):
    grant = f.break_glass_grant(world["person"], world["doctor"])
    with pytest.raises(ValueError):
        review_break_glass(grant=grant, outcome="fine", note="", by=world["lead"])


def _cli(*argv) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return exited.value.code


def test_audit_verify_cli_names_the_edited_row(world, capsys):
    person, by = world["person"], world["by"]
    f.care_team(person, world["doctor"])
    for _ in range(3):
        queries.get_person_record(person.external_id, by=by)
    assert _cli("audit", "verify") == 0
    assert "intact" in capsys.readouterr().out
    target = AuditEvent.objects.filter(action="record.view").order_by("id")[1]
    with connection.cursor() as cursor:  # as someone with SQL access would
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET actor_label = 'someone-else' WHERE id = %s",
            [target.pk],
        )
    assert _cli("audit", "verify") == 1
    out = capsys.readouterr().out
    assert f"#{target.pk}" in out and "BROKEN" in out


def test_break_glass_at_an_organisation_without_a_privacy_lead_reaches_another_lead(world):
    community = f.organisation("RY6", "Community Nursing", "community_provider")
    nurse = f.user("nurse.cn", role="nurse", org=community)
    grant = break_glass(
        person=world["person"],
        staff=nurse.staff,
        reason="Found on the floor at a visit",
        by=actor_for_user(nurse),
    )
    # Nobody at Community Nursing reviews: every privacy lead in the partnership sees it.
    for lead in (world["lead"], world["other_lead"]):
        (entry,) = break_glass_queue(by=lead)
        assert entry.grant_id == grant.pk and entry.routed == "partnership"
        assert entry.person_name == "Margaret Oldroyd"
    reviewed = review_break_glass(grant=grant, outcome="appropriate", note="", by=world["lead"])
    assert reviewed.reviewed_by == "privacy.ae"


def test_escalate_lists_overdue_reviews_and_is_audited(world, capsys):
    fresh = f.break_glass_grant(world["person"], world["doctor"])
    old = f.break_glass_grant(world["person"], world["doctor"])
    BreakGlassGrant.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(hours=73),
        expires_at=timezone.now() - timedelta(hours=69),
    )
    with pytest.raises(SystemExit) as exit_:
        main(["access", "escalate"])
    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert f"break-glass grant #{old.pk}" in out and f"#{fresh.pk} " not in out
    assert "RXA" in out and "Margaret" not in out
    event = AuditEvent.objects.get(action="access.reviews_escalated")
    assert event.detail["break_glass"] == [old.pk] and event.detail["overdue"] == 1
    # Overdue: the other hospital's lead now sees it too, flagged and first.
    (entry,) = break_glass_queue(by=world["other_lead"])
    assert entry.grant_id == old.pk and entry.overdue
    review_break_glass(grant=old, outcome="appropriate", note="", by=world["other_lead"])
    with pytest.raises(SystemExit) as exit_:
        main(["access", "escalate"])
    assert exit_.value.code == 0 and "No access reviews are overdue" in capsys.readouterr().out


def test_break_glass_reason_from_the_command_line_is_masked_in_the_audit(world):
    grant = break_glass(
        person=world["person"],
        staff=world["doctor"].staff,
        reason="Stephen Clarke NHS 9998910714 DOB 17/09/1951 collapsed",
        by=world["by"].via("cli"),
    )
    event = AuditEvent.objects.get(action="access.break_glass")
    assert event.purpose == "Stephen Clarke NHS [NHS number removed] DOB [date removed] collapsed"
    assert "9998910714" not in grant.reason
    with pytest.raises(ValueError, match="Remove the NHS number"):
        break_glass(
            person=world["person"],
            staff=world["doctor"].staff,
            reason="NHS 9998910714, unconscious",
            by=world["by"],
        )
