"""Demo MDT data for `onestory demo`: a case-finding run, the three highest-risk people on
the GP practice's worklist (people the demo GP has a relationship with) taken onto the
caseload with the demo care coordinator — preferring people the council already knows, so
that the coordinator sees whom they coordinate — a meeting with its agenda, and an action
for the demo social worker about someone the council knows. Safe to repeat: once anyone
is on the caseload it does nothing."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from onestory.access.policy import actor_for_user
from onestory.casework import actions, guard, queries
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
    candidates = queries.worklist(by=lead, practice_code=practice, limit=50).rows
    council = actor_for_user(users[COORDINATOR], "cli")
    known = guard.allowed_ids(council, [r.score.person_id for r in candidates])
    chosen = sorted(candidates, key=lambda r: not known.get(r.score.person_id))[:take_on]
    for row in chosen:
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
    items = list(meeting.items.select_related("person"))
    social_worker = actor_for_user(users[SOCIAL_WORKER], "cli")
    seen = guard.allowed_ids(social_worker, [i.person_id for i in items])
    first = next((i for i in items if seen.get(i.person_id)), items[0] if items else None)
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
    return DemoMdt(run.stats["people"], len(chosen), meeting.pk)
