"""Every write of MDT case management: one function each, keyword-only `by=`, in one
transaction with its audit entry. Pages, commands and the demo call these."""

import time
from datetime import date, timedelta

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access import actions as access_actions
from onestory.access.domain.roles import Permission
from onestory.access.models import StaffMember
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework import engine, guard
from onestory.casework.domain import efi
from onestory.casework.extract import extract
from onestory.casework.models import (
    AgendaItem,
    CaseFindingRun,
    CaseloadEntry,
    MdtAction,
    MdtMeeting,
    PersonRisk,
)

# Runs whose per-person rows are kept: the current one and the one before (for comparing).
KEEP_RUNS = 2


def _validation_dict(v: engine.Validation) -> dict:
    return {
        "trained_on": v.trained_on,
        "held_out": v.held_out,
        "admitted_rate": v.admitted_rate,
        "auc": v.auc,
        "auc_age_only": v.auc_age_only,
        "brier": v.brier,
        "calibration": [
            {"people": b.people, "mean_predicted": b.mean_predicted, "observed": b.observed}
            for b in v.calibration
        ],
        "age_model": v.age_model.as_dict(),
    }


def run_casefinding(*, by: Actor, as_of: date | None = None) -> CaseFindingRun:
    """Compute eFI, risk and LACE for everyone in the current linkage run who has not opted
    out, on DuckDB; store one row per person with the reasons. Safe to repeat as data
    arrive: each run is new, and the rows of older runs are pruned."""
    require(by, Permission.RUN_IMPORTS)
    as_of = as_of or date.today()
    started = time.perf_counter()
    data = extract()
    con = engine.connect()
    codelists = efi.load_codelists()
    engine.load(con, codelists=codelists, **data.tables())
    validation = engine.train(con, as_of)
    scored = engine.score(con, as_of, validation.model)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = CaseFindingRun.objects.create(
            as_of=as_of,
            run_by=by.label,
            codelist_versions=codelists.versions(),
            model=validation.model.as_dict(),
            validation=_validation_dict(validation),
        )
        PersonRisk.objects.bulk_create(
            (
                PersonRisk(
                    run=run,
                    person_id=r["person_id"],
                    practice_code=r["practice"],
                    practice_name=data.practices.get(r["practice"], ""),
                    neighbourhood=r["neighbourhood"],
                    age=max(r["age"], 0),
                    sex=r["sex"] or "",
                    efi_deficits=r["efi_deficits"],
                    efi_score=r["efi_score"],
                    efi_category=r["efi_category"],
                    deficits=list(r["deficits"]),
                    risk=r["risk"],
                    risk_drivers=list(r["risk_drivers"]),
                    emergency_admissions_12m=r["emergency_admissions_12m"],
                    ae_attendances_12m=r["ae_attendances_12m"],
                    admissions=list(r["admissions"] or []),
                    lace=r["lace"],
                    lace_discharge=r["lace_discharge"],
                )
                for r in scored.iter_rows(named=True)
            ),
            batch_size=2000,
        )
        run.finished_at = timezone.now()
        run.stats = {
            "people": scored.height,
            "opted_out_excluded": data.opted_out,
            "seconds": round(seconds, 2),
            "by_category": scored["efi_category"].value_counts().rows(),
        }
        run.save()
        old = CaseFindingRun.objects.exclude(finished_at=None).order_by("-finished_at", "-id")[
            KEEP_RUNS:
        ]
        PersonRisk.objects.filter(run__in=list(old)).delete()
        record_event(
            by=by,
            action="casework.casefinding_run",
            detail={"run": run.pk, "as_of": as_of.isoformat(), "people": scored.height},
        )
    return run


def _staff_for(by: Actor) -> StaffMember:
    staff = StaffMember.objects.filter(user_id=by.user_pk).select_related("organisation").first()
    if staff is None:
        raise PermissionDenied("Only a member of staff can do this.")
    return staff


def take_onto_caseload(
    *, person, coordinator: StaffMember, reason: str, by: Actor
) -> CaseloadEntry:
    """Put the person on the MDT caseload with a named care coordinator. Only an MDT lead
    who may see the person's record (refused and audited otherwise). The lead joins
    the person's care team (a legitimate relationship, audited by access), as does the
    coordinator when they work in the lead's organisation; otherwise the coordinator joins
    when they first open the record."""
    guard.check_person(by, person, attempted="casework.take_on", permission=Permission.LEAD_MDT)
    with transaction.atomic():
        return _take_onto_caseload(person=person, coordinator=coordinator, reason=reason, by=by)


def _take_onto_caseload(
    *, person, coordinator: StaffMember, reason: str, by: Actor
) -> CaseloadEntry:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Give a reason for taking the person on.")
    if CaseloadEntry.objects.filter(person=person, ended_at__isnull=True).exists():
        raise ValueError("This person is already on the MDT caseload.")
    lead = _staff_for(by)
    purpose = f"MDT caseload: {reason}"[:300]
    access_actions.join_care_team(person=person, staff=lead, reason=purpose, by=by)
    if coordinator.organisation_id == lead.organisation_id and coordinator.pk != lead.pk:
        access_actions.join_care_team(person=person, staff=coordinator, reason=purpose, by=by)
    _name_plan_coordinator(person, coordinator, by)
    latest = (
        PersonRisk.objects.filter(person=person, run__finished_at__isnull=False)
        .order_by("-run__finished_at")
        .first()
    )
    entry = CaseloadEntry.objects.create(
        person=person,
        coordinator=coordinator,
        reason=reason[:500],
        risk_at_entry=latest.risk if latest else None,
        efi_at_entry=latest.efi_score if latest else None,
        started_by=by.label,
    )
    record_event(
        by=by,
        action="casework.caseload_added",
        person_id=str(person.external_id),
        purpose=reason,
        detail={
            "entry": entry.pk,
            "coordinator": coordinator.user.get_username(),
            "coordinator_organisation": coordinator.organisation.code,
        },
    )
    return entry


def _name_plan_coordinator(person, coordinator: StaffMember, by: Actor) -> None:
    """The caseload coordinator becomes the care plan's coordinator (planning, issue 6)
    when the person has a plan and the lead may change it; the plan keeps its own history."""
    if not apps.is_installed("onestory.planning"):
        return
    from onestory.planning import actions as planning_actions
    from onestory.planning.models import Plan

    plan = Plan.objects.filter(person=person, kind="person").first()
    if plan is None or plan.coordinator_id == coordinator.pk:
        return
    try:
        with transaction.atomic():
            planning_actions.set_coordinator(plan, coordinator, by=by)
    except PermissionDenied:
        return


def end_caseload(*, entry: CaseloadEntry, reason: str, by: Actor) -> CaseloadEntry:
    """Take the person off the caseload: an MDT lead who may see the person's record."""
    guard.check_person(
        by, entry.person, attempted="casework.end_caseload", permission=Permission.LEAD_MDT
    )
    with transaction.atomic():
        return _end_caseload(entry=entry, reason=reason, by=by)


def _end_caseload(*, entry: CaseloadEntry, reason: str, by: Actor) -> CaseloadEntry:
    if entry.ended_at is not None:
        return entry
    entry.ended_at, entry.ended_by = timezone.now(), by.label
    entry.save(update_fields=["ended_at", "ended_by"])
    record_event(
        by=by,
        action="casework.caseload_ended",
        person_id=str(entry.person.external_id),
        purpose=(reason or "")[:300],
        detail={"entry": entry.pk},
    )
    return entry


@transaction.atomic
def create_meeting(
    *,
    title: str,
    meets_on: date,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    from_worklist: int = 5,
) -> MdtMeeting:
    """A meeting whose agenda is everyone on the caseload (of that practice, when one is
    given) and the highest-risk people on the current worklist not yet taken on — only
    people the lead may see (the record's decision)."""
    require(by, Permission.LEAD_MDT)
    from onestory.casework.queries import current_run, visible_worklist_ids

    meeting = MdtMeeting.objects.create(
        title=title.strip() or "MDT meeting",
        meets_on=meets_on,
        practice_code=practice_code,
        neighbourhood=neighbourhood,
        created_by=by.label,
    )
    run = current_run()
    open_entries = CaseloadEntry.objects.filter(ended_at__isnull=True).select_related("person")
    if practice_code and run is not None:
        in_practice = PersonRisk.objects.filter(run=run, practice_code=practice_code)
        open_entries = open_entries.filter(person_id__in=in_practice.values("person_id"))
    open_list = list(open_entries.order_by("started_at"))
    may_see = guard.allowed_ids(by, [e.person_id for e in open_list])
    position = 0
    on_agenda = set()
    for entry in open_list:
        if not may_see.get(entry.person_id):
            continue
        position += 1
        on_agenda.add(entry.person_id)
        AgendaItem.objects.create(
            meeting=meeting,
            person=entry.person,
            source=AgendaItem.CASELOAD,
            reason=entry.reason[:500],
            position=position,
        )
    if run is not None and from_worklist:
        ids = [
            pid
            for pid in visible_worklist_ids(
                run, by=by, practice_code=practice_code, neighbourhood=neighbourhood
            )
            if pid not in on_agenda
        ][:from_worklist]
        by_person = {s.person_id: s for s in PersonRisk.objects.filter(run=run, person_id__in=ids)}
        for score in (by_person[pid] for pid in ids):
            position += 1
            AgendaItem.objects.create(
                meeting=meeting,
                person_id=score.person_id,
                source=AgendaItem.WORKLIST,
                reason=reason_text(score)[:500],
                position=position,
            )
    record_event(
        by=by,
        action="casework.meeting_created",
        detail={"meeting": meeting.pk, "items": position, "practice": practice_code},
    )
    return meeting


def reason_text(score: PersonRisk) -> str:
    """Why the worklist put this person up: risk, frailty and the admissions behind it."""
    parts = [f"Risk {score.risk:.0%}", f"eFI {score.efi_score:.2f} ({score.efi_category})"]
    if score.admissions:
        parts.append(f"{len(score.admissions)} emergency admission(s) in 12 months")
    if score.lace is not None:
        parts.append(f"LACE {score.lace}")
    return "; ".join(parts)


def record_discussion(*, item: AgendaItem, discussion: str, by: Actor) -> AgendaItem:
    """The discussion of one agenda item: an MDT lead who may see the person's record."""
    guard.check_person(
        by, item.person, attempted="casework.record_discussion", permission=Permission.LEAD_MDT
    )
    with transaction.atomic():
        item.discussion = discussion.strip()
        item.save(update_fields=["discussion"])
        record_event(
            by=by,
            action="casework.discussion_recorded",
            person_id=str(item.person.external_id),
            detail={"meeting": item.meeting_id, "item": item.pk},
        )
    return item


@transaction.atomic
def mark_meeting_held(*, meeting: MdtMeeting, by: Actor, today: date | None = None) -> MdtMeeting:
    """Mark the meeting held: not before the day it meets."""
    require(by, Permission.LEAD_MDT)
    today = today or timezone.localdate()
    if meeting.held_at is None and meeting.meets_on > today:
        raise ValueError(
            f"This meeting is on {meeting.meets_on.day} {meeting.meets_on:%B %Y}: it cannot be "
            "marked held before that day."
        )
    if meeting.held_at is None:
        meeting.held_at, meeting.held_by = timezone.now(), by.label
        meeting.save(update_fields=["held_at", "held_by"])
        record_event(by=by, action="casework.meeting_held", detail={"meeting": meeting.pk})
    return meeting


def assign_action(
    *,
    person,
    description: str,
    assignee: StaffMember,
    due: date,
    by: Actor,
    meeting: MdtMeeting | None = None,
) -> MdtAction:
    """An action for a named member of staff in any organisation, with a due date: an MDT
    lead who may see the person's record."""
    guard.check_person(
        by, person, attempted="casework.assign_action", permission=Permission.LEAD_MDT
    )
    with transaction.atomic():
        return _assign_action(
            person=person,
            description=description,
            assignee=assignee,
            due=due,
            by=by,
            meeting=meeting,
        )


def _assign_action(
    *,
    person,
    description: str,
    assignee: StaffMember,
    due: date,
    by: Actor,
    meeting: MdtMeeting | None,
) -> MdtAction:
    description = (description or "").strip()
    if not description:
        raise ValueError("Say what needs doing.")
    action = MdtAction.objects.create(
        person=person,
        meeting=meeting,
        description=description[:500],
        assignee=assignee,
        due=due,
        created_by=by.label,
    )
    record_event(
        by=by,
        action="casework.action_assigned",
        person_id=str(person.external_id),
        detail={
            "action": action.pk,
            "assignee": assignee.user.get_username(),
            "assignee_organisation": assignee.organisation.code,
            "due": due.isoformat(),
            "meeting": meeting.pk if meeting else None,
        },
    )
    return action


def complete_action(*, action: MdtAction, note: str = "", by: Actor) -> MdtAction:
    """The assignee (or an MDT lead) marks the action done, when they may see the person's
    record (refused and audited otherwise)."""
    staff = StaffMember.objects.filter(user_id=by.user_pk).first()
    is_assignee = staff is not None and staff.pk == action.assignee_id
    guard.check_person(
        by,
        action.person,
        attempted="casework.complete_action",
        permission=None if is_assignee else Permission.LEAD_MDT,
    )
    with transaction.atomic():
        return _complete_action(action=action, note=note, by=by)


def _complete_action(*, action: MdtAction, note: str, by: Actor) -> MdtAction:
    if action.completed_at is not None:
        return action
    action.completed_at, action.completed_by = timezone.now(), by.label
    action.completion_note = (note or "").strip()[:500]
    action.save(update_fields=["completed_at", "completed_by", "completion_note"])
    record_event(
        by=by,
        action="casework.action_completed",
        person_id=str(action.person.external_id),
        detail={"action": action.pk, "late": action.due < timezone.localdate()},
    )
    return action


def escalate_overdue(*, by: Actor, today: date | None = None) -> int:
    """Mark every open action past its due date as escalated to the person's care
    coordinator (it then shows on the coordinator's list), one audit entry each."""
    require(by, Permission.RUN_IMPORTS)
    today = today or timezone.localdate()
    escalated = 0
    overdue = MdtAction.objects.filter(
        completed_at__isnull=True, escalated_at__isnull=True, due__lt=today
    ).select_related("person")
    for action in overdue:
        coordinator = (
            CaseloadEntry.objects.filter(person=action.person, ended_at__isnull=True)
            .select_related("coordinator__user")
            .first()
        )
        with transaction.atomic():
            action.escalated_at = timezone.now()
            action.save(update_fields=["escalated_at"])
            record_event(
                by=by,
                action="casework.action_escalated",
                person_id=str(action.person.external_id),
                detail={
                    "action": action.pk,
                    "days_overdue": (today - action.due).days,
                    "coordinator": coordinator.coordinator.user.get_username()
                    if coordinator
                    else "",
                },
            )
        escalated += 1
    return escalated


def due_in(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)
