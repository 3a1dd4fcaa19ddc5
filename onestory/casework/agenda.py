"""Reads of MDT meetings and actions, each through the access decision (`casework.guard`):
an agenda item or action about a person the reader may not see is withheld — no name, no
risk, no reason — and says so."""

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.models import StaffMember
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework import guard
from onestory.casework.domain.categories import Reasons, visible_reasons
from onestory.casework.models import AgendaItem, CaseloadEntry, MdtAction, MdtMeeting, PersonRisk
from onestory.casework.queries import WITHHELD, Named, current_run, names_for


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    named: Named  # WITHHELD when the reader may not see the person
    seen: guard.Seen
    score: PersonRisk | None = None
    reasons: Reasons | None = None
    coordinator: CaseloadEntry | None = None
    record: object | None = None  # record.queries.PersonRecord
    recent: tuple = ()  # recent timeline items
    plan: object | None = None  # planning.queries.PlanSummary
    budgets: tuple = ()  # budgets.queries.BudgetView
    actions: tuple[MdtAction, ...] = ()

    @property
    def withheld(self) -> bool:
        return not self.seen.allowed


def get_meeting(meeting_id: int, *, by: Actor, check_role: bool = True) -> MdtMeeting:
    """The meeting, for an MDT lead. `check_role=False` only for a change about one person
    on its agenda, whose action then checks role and person together (and audits a
    refusal)."""
    if check_role:
        require(by, Permission.LEAD_MDT)
    m = MdtMeeting.objects.filter(pk=meeting_id).first()
    if m is None:
        raise Http404("No such meeting")
    return m


def agenda_item(meeting: MdtMeeting, item_id) -> AgendaItem:
    try:
        item = (
            AgendaItem.objects.filter(meeting=meeting, pk=int(item_id or 0))
            .select_related("person")
            .first()
        )
    except (TypeError, ValueError):
        item = None
    if item is None:
        raise Http404("No such agenda item")
    return item


def meeting(meeting_id: int, *, by: Actor) -> tuple[MdtMeeting, tuple[AgendaEntry, ...]]:
    """The meeting and, per agenda item the reader may see (the record's decision),
    everything the team needs on one screen: the case-finding reasons their data categories
    allow, the integrated record summary, the latest timeline entries and the care plan.
    Items about anyone else are withheld. Audited with counts only."""
    from onestory.record import queries as record_queries

    m = get_meeting(meeting_id, by=by)
    items = list(m.items.select_related("person"))
    seen = guard.visibility(by, [i.person_id for i in items])
    visible = [i for i in items if seen[i.person_id].allowed]
    named = names_for(i.person_id for i in visible)
    run = current_run()
    scores = (
        {
            s.person_id: s
            for s in PersonRisk.objects.filter(
                run=run, person_id__in=[i.person_id for i in visible]
            )
        }
        if run
        else {}
    )
    entries = []
    for item in items:
        s = seen[item.person_id]
        if not s.allowed:
            entries.append(AgendaEntry(item=item, named=WITHHELD, seen=s))
            continue
        person = item.person
        score = scores.get(item.person_id)
        record = record_queries.get_person_record(
            person.external_id, by=by, purpose=f"MDT meeting {m.pk}"
        )
        timeline = record_queries.get_timeline(person.external_id, by=by, page_size=5)
        entries.append(
            AgendaEntry(
                item=item,
                named=named.get(item.person_id, Named("Name not recorded", "", "")),
                seen=s,
                score=score,
                reasons=visible_reasons(score.deficits, score.admissions, s.categories)
                if score
                else None,
                coordinator=CaseloadEntry.objects.filter(person=person, ended_at__isnull=True)
                .select_related("coordinator__user", "coordinator__organisation")
                .first(),
                record=record,
                recent=tuple(timeline.items),
                plan=_plan_for(person, by),
                budgets=_budgets_for(person, by),
                actions=tuple(
                    MdtAction.objects.filter(person=person).select_related(
                        "assignee__user", "assignee__organisation"
                    )
                ),
            )
        )
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.meeting_viewed",
            detail={
                "meeting": m.pk,
                "items": len(items),
                "withheld": len(items) - len(visible),
            },
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
    named: Named  # WITHHELD when the reader may not see the person
    overdue: bool
    seen: guard.Seen

    @property
    def withheld(self) -> bool:
        return not self.seen.allowed


@dataclass(frozen=True)
class ActionLists:
    mine: tuple[ActionRow, ...]
    escalated: tuple[ActionRow, ...]  # overdue actions for people I coordinate
    done: tuple[ActionRow, ...]

    @property
    def withheld(self) -> int:
        return sum(r.withheld for r in self.mine + self.escalated + self.done)


def my_actions(*, by: Actor, today: date | None = None) -> ActionLists:
    """Every action assigned to the reader, from every team; overdue actions for people
    they coordinate; and what they completed recently. An action about a person the reader
    may not see (no relationship, or the person refused their organisation) is withheld:
    no name and no description. Audited with counts only."""
    staff = StaffMember.objects.filter(user_id=by.user_pk).first()
    if staff is None:
        raise PermissionDenied("Only a member of staff has actions.")
    today = today or timezone.localdate()
    base = MdtAction.objects.select_related(
        "person", "assignee__user", "assignee__organisation", "meeting"
    )
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
    everyone = mine + escalated + done
    seen = guard.visibility(by, [a.person_id for a in everyone])
    named = names_for(pid for pid, s in seen.items() if s.allowed)

    def rows(actions):
        out = []
        for a in actions:
            s = seen.get(a.person_id, guard.HIDDEN)
            name = named.get(a.person_id, Named("Name not recorded", "", "")) if s.allowed else None
            out.append(ActionRow(a, name or WITHHELD, a.is_overdue(today), s))
        return tuple(out)

    lists = ActionLists(rows(mine), rows(escalated), rows(done))
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.actions_viewed",
            detail={"shown": len(everyone) - lists.withheld, "withheld": lists.withheld},
        )
    return lists


def action_for(action_id: int, *, by: Actor) -> MdtAction:
    """An action the reader may complete: their own, or any for an MDT lead (the person
    check is made by `actions.complete_action`)."""
    action = MdtAction.objects.filter(pk=action_id).select_related("person").first()
    if action is None:
        raise Http404("No such action")
    staff = StaffMember.objects.filter(user_id=by.user_pk).first()
    if staff is None or (staff.pk != action.assignee_id):
        require(by, Permission.LEAD_MDT)
    return action
