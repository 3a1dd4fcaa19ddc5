"""Reads of care and support plans, with the access check and the audit event built in.
Staff need VIEW_PLAN and a legitimate relationship (`access.policy.decide`); the person and
their representative always see their own plan."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, has_permission, kept, partnership_people
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.models import Person
from onestory.planning.domain import provenance
from onestory.planning.domain.diff import DiffLine, compare
from onestory.planning.domain.sections import Section, section, sections_for
from onestory.planning.models import Plan, PlanKind, PlanStatement, PlanVersion


@dataclass(frozen=True)
class StatementView:
    id: str
    section: str
    text: str
    voice: str
    mark: str
    status: str
    is_goal: bool = False


@dataclass(frozen=True)
class GoalView:
    id: str
    statement: StatementView
    who_helps: str
    by_when: date | None
    achieved_on: date | None
    budget_line: str
    services: tuple[str, ...]
    latest_progress: str
    latest_person_words: str
    latest_professional_words: str


@dataclass(frozen=True)
class SectionView:
    section: Section
    statements: tuple[StatementView, ...]


@dataclass
class PlanPage:
    person: Person
    name: str
    plan: Plan | None
    sections: list[SectionView] = field(default_factory=list)
    goals: list[GoalView] = field(default_factory=list)
    reviews: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    share: provenance.Share = provenance.Share(0, 0, 0)
    coordinator: str = ""
    review_overdue: bool = False
    carer_plans: list = field(default_factory=list)
    cares_for_name: str = ""
    cares_for_id: str = ""


def person_name(person: Person) -> str:
    """The person's name as their best-kept record (GP first) gives it. Callers have
    already checked access."""
    from onestory.people.models import PersonLink

    links = (
        PersonLink.objects.filter(run__is_current=True, person=person)
        .select_related("record__system")
        .order_by("record_id")
    )
    records = sorted((link.record for link in links), key=lambda r: (r.system.kind != "gp", r.pk))
    for r in records:
        name = f"{r.given_name} {r.family_name}".strip()
        if name:
            return name
    return "This person"


def _person(person_or_id) -> Person:
    if isinstance(person_or_id, Person):
        return person_or_id
    try:
        return kept(
            ("person", str(person_or_id)), lambda: Person.objects.get(external_id=person_or_id)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def check_access(person: Person, *, by: Actor, purpose: str = "") -> frozenset[str]:
    """Raise PermissionDenied (audited as plan.denied) unless the actor may see the plan;
    otherwise return the data categories the actor may see of the person's record."""
    decision = decide(by, person)
    allowed = (by.role == "system" or has_permission(by, Permission.VIEW_PLAN)) and (
        decision.allowed
    )
    if not allowed:
        record_event(by=by, action="plan.denied", person_id=str(person.external_id))
        raise PermissionDenied("You do not have access to this person's plan.")
    return decision.categories


def statement_view(row: PlanStatement, name: str, *, you: bool = False) -> StatementView:
    state = row.as_domain()
    m = provenance.mark(state, person_name=name, you=you)
    return StatementView(
        id=str(row.external_id),
        section=row.section,
        text=row.text,
        voice=m.voice,
        mark=m.label,
        status=row.status,
        is_goal=hasattr(row, "goal"),
    )


def get_plan(
    person_or_id, *, by: Actor, kind: str = PlanKind.PERSON, you: bool = False
) -> PlanPage:
    """The person's plan as everyone with access sees it: every statement with its mark,
    goals with services and their latest progress, reviews, versions and the share in the
    person's own words. `plan` is None when none has been started. Audited."""
    person = _person(person_or_id)
    # The refusal is audited outside any transaction, so it stays when the page fails.
    categories = check_access(person, by=by)
    record_event(by=by, action="plan.viewed", person_id=str(person.external_id))
    name = person_name(person)
    plan = (
        Plan.objects.filter(person=person, kind=kind)
        .select_related("coordinator__user", "cares_for__person")
        .first()
    )
    page = PlanPage(person=person, name=name, plan=plan)
    if plan is None:
        # Empty sections, so the person can start their plan by writing in it.
        page.sections = [SectionView(s, ()) for s in sections_for(kind) if s.code != "goals"]
        return page
    rows = list(plan.statements.select_related("goal"))
    by_section: dict[str, list[StatementView]] = {}
    views = {}
    for row in rows:
        v = statement_view(row, name, you=you)
        views[row.pk] = v
        if not v.is_goal:
            by_section.setdefault(row.section, []).append(v)
    page.sections = [
        SectionView(s, tuple(by_section.get(s.code, ())))
        for s in sections_for(plan.kind)
        if s.code != "goals"
    ]
    page.share = provenance.share(r.as_domain() for r in rows)
    for g in plan.goals.select_related("statement").prefetch_related("services", "progress"):
        latest = max(g.progress.all(), key=lambda p: (p.review_id, p.pk), default=None)
        page.goals.append(
            GoalView(
                id=str(g.external_id),
                statement=views[g.statement_id],
                who_helps=g.who_helps,
                by_when=g.by_when,
                achieved_on=g.achieved_on,
                budget_line=g.budget_line,
                services=tuple(
                    f"{e.title} (from {e.start:%d %b %Y})" if e.start else e.title
                    for e in g.services.all()
                    # A goal's services are shown only where the reader may see the
                    # service itself (a housing officer is not told of a MH referral).
                    if e.category in categories
                ),
                latest_progress=latest.get_progress_display() if latest else "",
                latest_person_words=latest.person_words if latest else "",
                latest_professional_words=latest.professional_words if latest else "",
            )
        )
    page.reviews = list(plan.reviews.prefetch_related("progress__goal__statement"))
    page.versions = list(plan.versions.only("number", "at", "by_label", "action"))
    if plan.coordinator is not None:
        user = plan.coordinator.user
        page.coordinator = user.get_full_name() or user.get_username()
    page.review_overdue = bool(plan.next_review_on and plan.next_review_on < timezone.localdate())
    page.carer_plans = [
        {"person_id": str(c.person.external_id), "name": person_name(c.person)}
        for c in plan.carer_plans.select_related("person")
    ]
    if plan.cares_for is not None:
        page.cares_for_id = str(plan.cares_for.person.external_id)
        page.cares_for_name = person_name(plan.cares_for.person)
    return page


def get_statement(plan: Plan, statement_id) -> PlanStatement:
    """A statement of this plan, or 404."""
    try:
        return plan.statements.select_related("plan__person").get(external_id=statement_id)
    except (PlanStatement.DoesNotExist, ValueError):
        raise Http404("No such statement.") from None


def version_lines(version: PlanVersion, name: str) -> list[str]:
    """A version as lines to compare: each statement with its section and mark."""
    lines = []
    goals = {g["statement"]: g for g in version.snapshot.get("goals", [])}
    for item in version.snapshot["statements"]:
        confirmed_by = item.get("confirmed_by")
        state = provenance.Statement(
            text=item["text"],
            written_by=provenance.Author(*item["written_by"]),
            status=item["status"],
            confirmed_by=provenance.Author(*confirmed_by) if confirmed_by else None,
            confirmed_text=item.get("confirmed_text", ""),
        )
        mark = provenance.mark(state, person_name=name).label
        extra = ""
        goal = goals.get(item["id"])
        if goal:
            extra = f" — who helps: {goal['who_helps'] or 'not set'}; by {goal['by_when'] or '—'}"
        lines.append(f"{section(item['section']).title}: {item['text']}{extra} [{mark}]")
    if version.snapshot.get("next_review_on"):
        lines.append(f"Next review: {version.snapshot['next_review_on']}")
    return lines


def compare_versions(person_or_id, a: int, b: int, *, by: Actor) -> tuple[PlanPage, list[DiffLine]]:
    """What changed between versions `a` and `b` of the person's plan. Audited."""
    page = get_plan(person_or_id, by=by)
    if page.plan is None:
        raise Http404("No plan yet.")
    versions = {v.number: v for v in PlanVersion.objects.filter(plan=page.plan, number__in=[a, b])}
    if a not in versions or b not in versions:
        raise Http404("No such version.")
    older, newer = sorted((a, b))
    return page, compare(
        version_lines(versions[older], page.name), version_lines(versions[newer], page.name)
    )


@dataclass(frozen=True)
class OverdueReview:
    person_id: str
    name: str
    next_review_on: date
    days_overdue: int


def overdue_reviews(*, by: Actor, today: date | None = None) -> list[OverdueReview]:
    """Plans this member of staff coordinates whose next review date has passed, most
    overdue first. Each person listed is an audited read."""
    if not by.user_pk or not has_permission(by, Permission.PROPOSE_PLAN):
        raise PermissionDenied("Your role does not coordinate care plans.")
    today = today or timezone.localdate()
    plans = (
        Plan.objects.filter(coordinator__user_id=by.user_pk, next_review_on__lt=today)
        .select_related("person")
        .order_by("next_review_on")
    )
    out = []
    with transaction.atomic():
        for plan in plans:
            if not decide(by, plan.person).allowed:
                continue
            record_event(
                by=by,
                action="plan.listed_overdue",
                person_id=str(plan.person.external_id),
            )
            out.append(
                OverdueReview(
                    str(plan.person.external_id),
                    person_name(plan.person),
                    plan.next_review_on,
                    (today - plan.next_review_on).days,
                )
            )
    return out


@dataclass(frozen=True)
class OwnWordsReport:
    plans: int
    carer_plans: int
    share: provenance.Share
    plans_with_any_own_words: int


def own_words_report(*, by: Actor) -> OwnWordsReport:
    """Across every plan: how many statements are in the person's own words, on their
    behalf, or still professional drafts. Aggregates only (no person), for roles with
    VIEW_AGGREGATES or the system; people who opted out of secondary use are left out.
    Audited."""
    if by.role != "system" and not has_permission(by, Permission.VIEW_AGGREGATES):
        raise PermissionDenied("Your role does not allow: view aggregates")
    from onestory.access.queries import people_opted_out

    # People who opted out of secondary use are not counted, as in every aggregate.
    plans = Plan.objects.exclude(person_id__in=people_opted_out())
    own = partnership_people(by)  # a commissioner's own partnership (ADR 0026)
    if own is not None:
        plans = plans.filter(person_id__in=own)
    rows = PlanStatement.objects.filter(plan__in=plans).only(
        "plan_id",
        "text",
        "written_by_kind",
        "written_by_label",
        "status",
        "confirmed_by_kind",
        "confirmed_by_label",
        "confirmed_text",
    )
    states = []
    with_own = set()
    for r in rows.iterator(chunk_size=2000):
        state = r.as_domain()
        states.append(state)
        if provenance.voice(state) == provenance.OWN_WORDS:
            with_own.add(r.plan_id)
    report = OwnWordsReport(
        plans=plans.filter(kind=PlanKind.PERSON).count(),
        carer_plans=plans.filter(kind=PlanKind.CARER).count(),
        share=provenance.share(states),
        plans_with_any_own_words=len(with_own),
    )
    record_event(by=by, action="plan.report_viewed", detail={"plans": report.plans})
    return report


@dataclass(frozen=True)
class PlanSummary:
    exists: bool
    share: provenance.Share
    goals: int
    next_review_on: date | None
    review_overdue: bool


def plan_summary(person_id, *, by: Actor) -> PlanSummary | None:
    """Counts for the plan card on the record page (no words): None when the actor may not
    see the plan. The record page that shows it is itself audited."""
    person = _person(person_id)
    if not has_permission(by, Permission.VIEW_PLAN) or not decide(by, person).allowed:
        return None
    plan = Plan.objects.filter(person=person, kind=PlanKind.PERSON).first()
    if plan is None:
        return PlanSummary(False, provenance.Share(0, 0, 0), 0, None, False)
    return PlanSummary(
        True,
        provenance.share(s.as_domain() for s in plan.statements.all()),
        plan.goals.count(),
        plan.next_review_on,
        bool(plan.next_review_on and plan.next_review_on < timezone.localdate()),
    )


# Kinds of source event a goal can be served by.
SERVICE_KINDS = ("service", "referral", "placement", "tenancy", "care_package")


def linkable_services(person: Person, *, by: Actor, limit: int = 30):
    """The person's services a goal can be linked to, newest first — only in the data
    categories the actor may see (a housing officer is not shown a mental health referral).
    Read as part of the plan page, whose read `get_plan` has already audited."""
    from onestory.sources.models import SourceEvent

    decision = decide(by, person)
    if not decision.allowed:
        return []
    return list(
        SourceEvent.objects.filter(
            record__links__run__is_current=True,
            record__links__person=person,
            kind__in=SERVICE_KINDS,
            category__in=decision.categories,
        ).order_by("-start")[:limit]
    )
