"""The authorisation matrix for MDT casework: every casework page, form and export ×
an MDT-lead role (a GP) and a non-lead role (a social worker) × with or without a
legitimate relationship with the person × with or without the person's refusal of the
reader's organisation.

Each cell asserts the allow or deny, that a deny reveals nothing about the person (no name
or NHS number in the body; a withheld entry says it is withheld) and the audit event. The
expected outcome is computed here from the rules (the record's decision: a relationship and
no refusal; MDT-lead-only pages and changes need the lead role), not from the code."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from onestory.access.models import OrganisationKind, SharingChoice
from onestory.audit.models import AuditEvent
from onestory.casework.models import (
    AgendaItem,
    CaseFindingRun,
    CaseloadEntry,
    MdtAction,
    MdtMeeting,
    PersonRisk,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = {"gp": OrganisationKind.GP_PRACTICE, "social_worker": OrganisationKind.ADULT_SOCIAL_CARE}
LEADS = {"gp"}

# Pages that list people: a deny is the person left out or withheld, the page itself shown.
LISTS = ("worklist", "worklist_csv", "meeting_page", "my_actions", "caseload_list")
# Pages and changes about one person: a deny is a 403, audited as record.denied.
ONE_PERSON = (
    "take_on_get",
    "take_on_post",
    "record_discussion",
    "assign_action",
    "complete_action",
    "caseload_end",
)
ENDPOINTS = LISTS + ONE_PERSON
# Which endpoints only an MDT lead may use at all.
LEAD_ONLY = {
    "worklist",
    "worklist_csv",
    "meeting_page",
    "take_on_get",
    "take_on_post",
    "record_discussion",
    "assign_action",
    "caseload_end",
}
# What the worklist leaves out: people already on the caseload.
NO_CASELOAD = {"worklist", "worklist_csv", "take_on_get", "take_on_post"}

DISCUSSION = "Agreed a falls review and a carers assessment"
DESCRIPTION = "Arrange a falls clinic appointment"


def _reveals(body: str, nhs: str) -> list[str]:
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    found = [w for w in ("margaret", "oldroyd", "maggie") if w in body.lower()]
    return found + [n for n in (nhs, spaced) if n in body]


def _setup(role: str, endpoint: str, related: bool, refused: bool):
    margaret = f.rich_person()
    nhs = margaret.links.filter(record__nhs_number__gt="").first().record.nhs_number
    org = f.organisation(f"M-{role}", f"Matrix {role}", ROLES[role])
    user = f.user(f"matrix.{role}", role=role, org=org)
    if related:
        f.care_team(margaret, user, reason="Matrix: in the care team")
    if refused:
        f.sharing_choice(margaret, org, decision="refuse")
    run = CaseFindingRun.objects.create(
        as_of=date(2026, 10, 31), run_by="tests", finished_at=timezone.now()
    )
    PersonRisk.objects.create(
        run=run,
        person=margaret,
        practice_code="B86001",
        practice_name="Beech Tree Surgery",
        neighbourhood="LS6",
        age=79,
        sex="female",
        efi_deficits=2,
        efi_score=2 / 36,
        efi_category="fit",
        deficits=["falls", "hypertension"],
        risk=0.42,
        risk_drivers=["Age"],
        emergency_admissions_12m=1,
        admissions=[{"start": "2026-03-01", "diagnosis": "Pneumonia"}],
    )
    ctx = {"person": margaret, "nhs": nhs, "user": user}
    if endpoint in NO_CASELOAD:
        return ctx
    owner = f.user("matrix.owner", role="gp", org=f.organisation("Y09999", "Owner practice"))
    ctx["entry"] = CaseloadEntry.objects.create(
        person=margaret, coordinator=user.staff, reason="Falls", started_by="matrix.owner"
    )
    meeting = MdtMeeting.objects.create(
        title="Matrix MDT", meets_on=date(2026, 11, 2), created_by="matrix.owner"
    )
    ctx["meeting"] = meeting
    ctx["item"] = AgendaItem.objects.create(
        meeting=meeting,
        person=margaret,
        source=AgendaItem.CASELOAD,
        reason="Falls",
        position=1,
        discussion="Earlier: worried about her stairs",
    )
    ctx["action"] = MdtAction.objects.create(
        person=margaret,
        meeting=meeting,
        description="Check the stair rail",
        assignee=user.staff,
        due=timezone.localdate() + timedelta(days=7),
        created_by=owner.username,
    )
    return ctx


def _request(client, endpoint: str, ctx: dict):
    pid = ctx["person"].external_id
    due = timezone.localdate() + timedelta(days=7)
    if endpoint == "worklist":
        return client.get("/mdt/worklist/")
    if endpoint == "worklist_csv":
        return client.get("/mdt/worklist.csv")
    if endpoint == "take_on_get":
        return client.get(f"/mdt/people/{pid}/take-on/")
    if endpoint == "take_on_post":
        return client.post(
            f"/mdt/people/{pid}/take-on/",
            {"coordinator": ctx["user"].staff.pk, "reason": "High risk"},
        )
    if endpoint == "meeting_page":
        return client.get(f"/mdt/meetings/{ctx['meeting'].pk}/")
    if endpoint == "record_discussion":
        return client.post(
            f"/mdt/meetings/{ctx['meeting'].pk}/",
            {"item": ctx["item"].pk, "discussion": DISCUSSION},
        )
    if endpoint == "assign_action":
        return client.post(
            f"/mdt/meetings/{ctx['meeting'].pk}/actions/",
            {
                "item": ctx["item"].pk,
                "description": DESCRIPTION,
                "assignee": ctx["user"].staff.pk,
                # the three-box NHS date input
                "due-day": due.day,
                "due-month": due.month,
                "due-year": due.year,
            },
        )
    if endpoint == "complete_action":
        return client.post(f"/mdt/actions/{ctx['action'].pk}/complete/", {"note": "Done"})
    if endpoint == "my_actions":
        return client.get("/mdt/actions/")
    if endpoint == "caseload_list":
        return client.get("/mdt/caseload/")
    return client.post(f"/mdt/caseload/{ctx['entry'].pk}/end/", {"reason": "Stable"})


# What each allowed change writes: the audit action, and how to see it was stored.
CHANGES = {
    "take_on_post": (
        "casework.caseload_added",
        lambda ctx: CaseloadEntry.objects.filter(person=ctx["person"]).exists(),
    ),
    "record_discussion": (
        "casework.discussion_recorded",
        lambda ctx: AgendaItem.objects.get(pk=ctx["item"].pk).discussion == DISCUSSION,
    ),
    "assign_action": (
        "casework.action_assigned",
        lambda ctx: MdtAction.objects.filter(description=DESCRIPTION).exists(),
    ),
    "complete_action": (
        "casework.action_completed",
        lambda ctx: MdtAction.objects.get(pk=ctx["action"].pk).completed_at is not None,
    ),
    "caseload_end": (
        "casework.caseload_ended",
        lambda ctx: CaseloadEntry.objects.get(pk=ctx["entry"].pk).ended_at is not None,
    ),
}
LIST_EVENTS = {
    "worklist": "casework.worklist_viewed",
    "worklist_csv": "casework.worklist_exported",
    "meeting_page": "casework.meeting_viewed",
    "my_actions": "casework.actions_viewed",
    "caseload_list": "casework.caseload_viewed",
}


@pytest.mark.parametrize("refused", [False, True], ids=["not_refused", "refused"])
@pytest.mark.parametrize("related", [True, False], ids=["related", "unrelated"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_casework_authorisation_matrix(client, role, endpoint, related, refused):
    ctx = _setup(role, endpoint, related, refused)
    user, nhs, person_id = ctx["user"], ctx["nhs"], str(ctx["person"].external_id)
    client.force_login(user)
    response = _request(client, endpoint, ctx)
    body = response.content.decode()
    events = AuditEvent.objects.filter(actor_id=f"user:{user.pk}")
    sees_person = related and not refused
    role_allowed = role in LEADS or endpoint not in LEAD_ONLY
    denied = events.filter(action="record.denied", person_id=person_id)

    if endpoint in LISTS:
        if not role_allowed:
            assert response.status_code == 403, body[:300]
            assert _reveals(body, nhs) == []
            assert not events.filter(action=LIST_EVENTS[endpoint]).exists()
            return
        assert response.status_code == 200, body[:300]
        (event,) = events.filter(action=LIST_EVENTS[endpoint])
        assert event.person_id == ""  # list events hold counts, never who
        if sees_person:
            assert "oldroyd" in body.lower()
            if endpoint in ("worklist", "worklist_csv"):
                assert "Pneumonia" in body
        else:
            assert _reveals(body, nhs) == []
            assert "Pneumonia" not in body and "Check the stair rail" not in body
            assert "worried about her stairs" not in body and "42%" not in body
            if endpoint in ("meeting_page", "my_actions", "caseload_list"):
                assert "Withheld" in body  # said, not silently dropped
        if endpoint == "worklist":
            assert event.detail["total"] == (1 if sees_person else 0)
        if endpoint == "worklist_csv":
            assert event.detail["rows"] == (1 if sees_person else 0)
            assert response["Content-Type"].startswith("text/csv")
        if endpoint in ("meeting_page", "my_actions", "caseload_list"):
            assert event.detail["withheld"] == (0 if sees_person else 1)
        return

    allowed = role_allowed and sees_person
    if allowed:
        assert response.status_code in (200, 302), body[:300]
        assert not denied.exists()
        if endpoint in CHANGES:
            action, stored = CHANGES[endpoint]
            assert stored(ctx)
            assert events.filter(action=action, person_id=person_id).count() == 1
        else:
            assert "oldroyd" in body.lower()
        return
    assert response.status_code == 403, body[:300]
    assert _reveals(body, nhs) == []
    (event,) = denied
    assert event.detail["attempted"].startswith("casework.")
    assert event.detail["reason"] == (
        "role_not_permitted"
        if not role_allowed
        else "refused_by_person"
        if refused
        else "no_legitimate_relationship"
    )
    if endpoint in CHANGES:
        action, stored = CHANGES[endpoint]
        assert not stored(ctx)
        assert not events.filter(action=action).exists()


def test_matrix_refusal_is_of_the_readers_organisation_only(client):
    """A refusal of another organisation changes nothing for this reader (guards the
    refused cells against passing for the wrong reason)."""
    ctx = _setup("gp", "take_on_get", related=True, refused=False)
    SharingChoice.objects.create(
        person=ctx["person"],
        organisation=f.organisation("OTHER", "Another practice"),
        category="",
        decision="refuse",
        set_at=timezone.now(),
        set_by="tests",
        set_by_kind="self",
    )
    client.force_login(ctx["user"])
    assert _request(client, "take_on_get", ctx).status_code == 200
