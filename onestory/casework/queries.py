"""Reads of MDT case management, each with its access check and, where it shows people,
an audit entry. The worklist excludes people who opted out of secondary use and people who
refused the reader's organisation, whatever the run stored."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.models import StaffMember
from onestory.access.policy import decide, refused_organisation_people, require
from onestory.access.queries import people_opted_out
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework.models import (
    AgendaItem,
    CaseFindingRun,
    CaseloadEntry,
    MdtAction,
    MdtMeeting,
    PersonRisk,
)
from onestory.people.models import LinkageRun, Person, PersonLink


def deficit_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def current_run() -> CaseFindingRun | None:
    return CaseFindingRun.objects.exclude(finished_at=None).order_by("-finished_at", "-id").first()


def worklist_queryset(
    run: CaseFindingRun,
    *,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    category: str = "",
    min_risk: float | None = None,
    include_caseload: bool = False,
) -> QuerySet[PersonRisk]:
    """The run's scores, highest risk first, without anyone who opted out of secondary use
    or refused the reader's organisation (and, unless asked, without people already on the
    caseload)."""
    rows = (
        PersonRisk.objects.filter(run=run)
        .exclude(person_id__in=people_opted_out())
        .exclude(person_id__in=refused_organisation_people(by))
    )
    if not include_caseload:
        rows = rows.exclude(
            person_id__in=CaseloadEntry.objects.filter(ended_at__isnull=True).values("person_id")
        )
    if practice_code:
        rows = rows.filter(practice_code=practice_code)
    if neighbourhood:
        rows = rows.filter(neighbourhood=neighbourhood)
    if category:
        rows = rows.filter(efi_category=category)
    if min_risk is not None:
        rows = rows.filter(risk__gte=min_risk)
    return rows.order_by("-risk", "person_id")


@dataclass(frozen=True)
class Named:
    name: str
    external_id: str
    nhs_number: str


def names_for(person_ids: Iterable[int]) -> dict[int, Named]:
    """Display names (GP record first) for people in the current linkage run."""
    ids = list(person_ids)
    run = LinkageRun.objects.filter(is_current=True).first()
    out: dict[int, Named] = {}
    if run is None or not ids:
        return out
    links = (
        PersonLink.objects.filter(run=run, person_id__in=ids)
        .select_related("record__system", "person")
        .order_by("person_id", "record_id")
    )
    for link in links:
        r = link.record
        held = out.get(link.person_id)
        if held is not None and r.system.kind != "gp":
            continue
        name = (
            " ".join(p for p in (r.given_name, r.family_name.upper()) if p) or "Name not recorded"
        )
        out[link.person_id] = Named(name, str(link.person.external_id), r.nhs_number)
    return out


@dataclass(frozen=True)
class WorklistRow:
    score: PersonRisk
    named: Named
    deficit_labels: tuple[str, ...]


@dataclass(frozen=True)
class Worklist:
    run: CaseFindingRun | None
    rows: tuple[WorklistRow, ...]
    total: int
    practices: tuple[tuple[str, str], ...]
    neighbourhoods: tuple[str, ...]


def worklist(
    *,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    category: str = "",
    min_risk: float | None = None,
    limit: int = 100,
) -> Worklist:
    """People by risk for an MDT lead, each with the reasons; audited (how many shown,
    which filters — never who)."""
    require(by, Permission.LEAD_MDT)
    run = current_run()
    if run is None:
        return Worklist(None, (), 0, (), ())
    rows = worklist_queryset(
        run,
        by=by,
        practice_code=practice_code,
        neighbourhood=neighbourhood,
        category=category,
        min_risk=min_risk,
    )
    total = rows.count()
    shown = list(rows[:limit])
    named = names_for(s.person_id for s in shown)
    practices = tuple(
        PersonRisk.objects.filter(run=run)
        .exclude(practice_code="")
        .values_list("practice_code", "practice_name")
        .distinct()
        .order_by("practice_name")
    )
    neighbourhoods = tuple(
        PersonRisk.objects.filter(run=run)
        .exclude(neighbourhood="")
        .values_list("neighbourhood", flat=True)
        .distinct()
        .order_by("neighbourhood")
    )
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.worklist_viewed",
            detail={
                "run": run.pk,
                "shown": len(shown),
                "total": total,
                "practice": practice_code,
                "neighbourhood": neighbourhood,
                "category": category,
            },
        )
    return Worklist(
        run,
        tuple(
            WorklistRow(
                s,
                named.get(s.person_id, Named("Name not recorded", "", "")),
                tuple(deficit_label(d) for d in s.deficits),
            )
            for s in shown
        ),
        total,
        practices,
        neighbourhoods,
    )


def person_by_external_id(external_id) -> Person:
    try:
        return Person.objects.get(external_id=external_id)
    except (Person.DoesNotExist, ValueError) as exc:
        raise Http404("No such person") from exc


def latest_score(person) -> PersonRisk | None:
    run = current_run()
    if run is None:
        return None
    return PersonRisk.objects.filter(run=run, person=person).first()


def open_caseload_entry(person) -> CaseloadEntry | None:
    """The person's open MDT caseload entry (with their coordinator), if any. Shown only on
    pages that already checked access to the person."""
    return (
        CaseloadEntry.objects.filter(person=person, ended_at__isnull=True)
        .select_related("coordinator__user", "coordinator__organisation")
        .first()
    )


def caseload(*, by: Actor) -> tuple[tuple[CaseloadEntry, Named], ...]:
    require(by, Permission.LEAD_MDT)
    entries = list(
        CaseloadEntry.objects.filter(ended_at__isnull=True).select_related(
            "coordinator__user", "coordinator__organisation"
        )
    )
    named = names_for(e.person_id for e in entries)
    return tuple((e, named.get(e.person_id, Named("Name not recorded", "", ""))) for e in entries)


def coordinators() -> QuerySet[StaffMember]:
    """Staff who may be named as a coordinator or given an action: anyone in a role that
    joins care teams (a direct-care role), in any organisation."""
    return (
        StaffMember.objects.filter(
            role__in=[
                "gp",
                "nurse",
                "social_worker",
                "care_coordinator",
                "mental_health_worker",
                "housing_officer",
                "voluntary_worker",
            ]
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__username")
    )


def meetings(*, by: Actor) -> QuerySet[MdtMeeting]:
    require(by, Permission.LEAD_MDT)
    return MdtMeeting.objects.all()


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    named: Named
    score: PersonRisk | None
    coordinator: CaseloadEntry | None
    record: object | None  # record.queries.PersonRecord when the reader may see it
    recent: tuple  # recent timeline items
    plan: object | None  # planning.queries.PlanSummary
    budgets: tuple  # budgets.queries.BudgetView
    actions: tuple[MdtAction, ...]


def meeting(meeting_id: int, *, by: Actor) -> tuple[MdtMeeting, tuple[AgendaEntry, ...]]:
    """The meeting and, per agenda item, everything the team needs on one screen: the case-
    finding reasons; and, where the reader has a legitimate relationship, the integrated
    record summary, the latest timeline entries and the care plan."""
    require(by, Permission.LEAD_MDT)
    from onestory.record import queries as record_queries

    m = MdtMeeting.objects.filter(pk=meeting_id).first()
    if m is None:
        raise Http404("No such meeting")
    items = list(m.items.select_related("person"))
    named = names_for(i.person_id for i in items)
    run = current_run()
    scores = (
        {
            s.person_id: s
            for s in PersonRisk.objects.filter(run=run, person_id__in=[i.person_id for i in items])
        }
        if run
        else {}
    )
    entries = []
    for item in items:
        record, recent, plan, budgets = None, (), None, ()
        if decide(by, item.person).allowed:
            record = record_queries.get_person_record(
                item.person.external_id, by=by, purpose=f"MDT meeting {m.pk}"
            )
            timeline = record_queries.get_timeline(item.person.external_id, by=by, page_size=5)
            recent = tuple(timeline.items)
            plan = _plan_for(item.person, by)
            budgets = _budgets_for(item.person, by)
        entries.append(
            AgendaEntry(
                item=item,
                named=named.get(item.person_id, Named("Name not recorded", "", "")),
                score=scores.get(item.person_id),
                coordinator=open_caseload_entry(item.person),
                record=record,
                recent=recent,
                plan=plan,
                budgets=budgets,
                actions=tuple(
                    MdtAction.objects.filter(person=item.person).select_related(
                        "assignee__user", "assignee__organisation"
                    )
                ),
            )
        )
    return m, tuple(entries)


def _plan_for(person, by: Actor):
    """The care plan's summary (planning, issue 6), or None when the reader may not see it."""
    if not apps.is_installed("onestory.planning"):
        return None
    from onestory.planning import queries as planning_queries

    return planning_queries.plan_summary(person.external_id, by=by)


def _budgets_for(person, by: Actor) -> tuple:
    """The person's budgets (budgets, issue 7) when the reader may see them."""
    if not apps.is_installed("onestory.budgets"):
        return ()
    from onestory.budgets import queries as budget_queries

    if not budget_queries.can_see_budget(by, person):
        return ()
    return tuple(budget_queries.budgets_for(person, by=by))


@dataclass(frozen=True)
class ActionRow:
    action: MdtAction
    named: Named
    overdue: bool


@dataclass(frozen=True)
class ActionLists:
    mine: tuple[ActionRow, ...]
    escalated: tuple[ActionRow, ...]  # overdue actions for people I coordinate
    done: tuple[ActionRow, ...]


def my_actions(*, by: Actor, today: date | None = None) -> ActionLists:
    """Every action assigned to the reader, from every team; overdue actions for people
    they coordinate; and what they completed recently."""
    staff = StaffMember.objects.filter(user_id=by.user_pk).first()
    if staff is None:
        raise PermissionDenied("Only a member of staff has actions.")
    today = today or timezone.localdate()
    base = MdtAction.objects.select_related("assignee__user", "assignee__organisation", "meeting")
    mine = list(base.filter(assignee=staff, completed_at__isnull=True))
    coordinated = CaseloadEntry.objects.filter(coordinator=staff, ended_at__isnull=True).values(
        "person_id"
    )
    escalated = list(
        base.filter(person_id__in=coordinated, completed_at__isnull=True, due__lt=today).exclude(
            assignee=staff
        )
    )
    done = list(
        base.filter(assignee=staff, completed_at__isnull=False).order_by("-completed_at")[:20]
    )
    named = names_for(a.person_id for a in mine + escalated + done)

    def rows(actions):
        return tuple(
            ActionRow(
                a, named.get(a.person_id, Named("Name not recorded", "", "")), a.is_overdue(today)
            )
            for a in actions
        )

    return ActionLists(rows(mine), rows(escalated), rows(done))


def action_for(action_id: int, *, by: Actor) -> MdtAction:
    """An action the reader may complete: their own, or any for an MDT lead."""
    action = MdtAction.objects.filter(pk=action_id).select_related("person").first()
    if action is None:
        raise Http404("No such action")
    staff = StaffMember.objects.filter(user_id=by.user_pk).first()
    if staff is None or (staff.pk != action.assignee_id):
        require(by, Permission.LEAD_MDT)
    return action


def open_action_count(staff: StaffMember) -> int:
    return MdtAction.objects.filter(Q(assignee=staff) & Q(completed_at__isnull=True)).count()
