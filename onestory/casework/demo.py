"""Demo MDT data for `onestory demo`: a case-finding run, the three highest-risk people on
the GP practice's worklist taken onto the caseload with the demo care coordinator, a
meeting with its agenda, and an action for the demo social worker. Safe to repeat: once
anyone is on the caseload it does nothing."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.casework import actions, queries
from onestory.casework.models import CaseloadEntry

LEAD, COORDINATOR, SOCIAL_WORKER = "gp.demo", "carecoordinator.demo", "socialworker.demo"


@dataclass(frozen=True)
class DemoMdt:
    people_scored: int
    taken_on: int
    meeting_id: int | None
    note: str = ""


def create_demo_mdt(*, by, take_on: int = 3) -> DemoMdt:
    """Score the borough, then build the demo caseload and meeting (see the module)."""
    if CaseloadEntry.objects.exists():
        return DemoMdt(0, 0, None, "the demo caseload already exists")
    users = (
        get_user_model()
        .objects.select_related("staff")
        .in_bulk([LEAD, COORDINATOR, SOCIAL_WORKER], field_name="username")
    )
    if len(users) < 3:
        return DemoMdt(0, 0, None, "the demo logins are missing")
    try:
        run = actions.run_casefinding(by=by)
    except ValueError as exc:  # a borough too small to train the risk model
        return DemoMdt(0, 0, None, str(exc))
    lead = actor_for_user(users[LEAD], "cli")
    practice = users[LEAD].staff.organisation.code
    worklist = queries.worklist(by=lead, practice_code=practice, limit=take_on)
    for row in worklist.rows:
        person = queries.person_by_external_id(row.named.external_id)
        actions.take_onto_caseload(
            person=person,
            coordinator=users[COORDINATOR].staff,
            reason="Demo: high risk of an emergency admission on the practice worklist",
            by=lead,
        )
    meeting = actions.create_meeting(
        title="Neighbourhood MDT (demo)",
        meets_on=timezone.localdate() + timedelta(days=7),
        practice_code=practice,
        by=lead,
    )
    first = meeting.items.first()
    if first is not None:
        from onestory.planning.demo import person_profile

        # What the social worker is asked to do follows from where the person lives.
        profile = person_profile(first.person)
        description = (
            f"Review the {profile.service.lower() or 'care home'} placement with the home"
            if profile.in_placement
            else "Care Act assessment at home"
        )
        actions.assign_action(
            person=first.person,
            description=description,
            assignee=users[SOCIAL_WORKER].staff,
            due=timezone.localdate() + timedelta(days=14),
            meeting=meeting,
            by=lead,
        )
    return DemoMdt(run.stats["people"], len(worklist.rows), meeting.pk)
