"""Every change to a care and support plan: one function each, keyword-only `by=`, one
transaction, its audit event and a new whole-plan version in that same transaction. Pages,
the portal, the CLI, imports and the demo all come through here, and every one asks the
access policy first.

Who may do what: staff with a legitimate relationship (`access.policy.decide`) and
PROPOSE_PLAN propose statements, goals and reviews; the person (or their representative)
with CONFIRM_PLAN writes, rewrites and confirms. Whether a statement is the person's words
is decided only by `planning.domain.provenance`."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.policy import decide, has_permission
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.planning.domain import provenance
from onestory.planning.domain.sections import SECTION_CODES, section
from onestory.planning.models import (
    Goal,
    GoalProgress,
    Plan,
    PlanKind,
    PlanStatement,
    PlanVersion,
    Progress,
    Review,
)


def author_for(by: Actor, label: str = "") -> provenance.Author:
    """The provenance author of an actor: the person, their named representative, a
    sending system (imports run as the system, `label` names the sender), or a named
    professional with their role."""
    kind = provenance.author_kind_for_role(by.role)
    if kind == provenance.PERSON:
        return provenance.Author(kind, "The person")
    if kind == provenance.REPRESENTATIVE:
        return provenance.Author(kind, by.label or "Representative")
    if kind == provenance.IMPORTED:
        return provenance.Author(kind, label or by.label)
    name = by.label
    if by.user_pk is not None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=by.user_pk).first()
        if user is not None and user.get_full_name():
            name = user.get_full_name()
    role = any_role_for(by.role)
    return provenance.Author(kind, f"{name} ({role.label})" if role else name)


def _require(by: Actor, person, permission: Permission) -> None:
    """The actor holds the permission and the access policy lets them see the person."""
    if by.role != "system" and not has_permission(by, permission):
        raise PermissionDenied(f"Your role does not allow: {permission.value.replace('_', ' ')}")
    if not decide(by, person).allowed:
        raise PermissionDenied("You do not have access to this person's plan.")


def _require_writer(by: Actor, person) -> None:
    """Staff propose (PROPOSE_PLAN); the person and their representative write
    (CONFIRM_PLAN). Either way, only with access to the person."""
    kind = provenance.author_kind_for_role(by.role)
    if kind in provenance.VOICES:
        _require(by, person, Permission.CONFIRM_PLAN)
    else:
        _require(by, person, Permission.PROPOSE_PLAN)


def snapshot(plan: Plan) -> dict:
    """The whole plan as plain data (ids, words and labels): stored with every version."""
    statements = [
        {
            "id": str(s.external_id),
            "section": s.section,
            "text": s.text,
            "status": s.status,
            "written_by": [s.written_by_kind, s.written_by_label],
            "confirmed_by": (
                [s.confirmed_by_kind, s.confirmed_by_label] if s.confirmed_by_kind else None
            ),
            "confirmed_text": s.confirmed_text,
        }
        for s in plan.statements.order_by("position", "id")
    ]
    goals = [
        {
            "statement": str(g.statement.external_id),
            "who_helps": g.who_helps,
            "by_when": g.by_when.isoformat() if g.by_when else None,
            "services": sorted(g.services.values_list("pk", flat=True)),
            "budget_line": g.budget_line,
        }
        for g in plan.goals.select_related("statement")
    ]
    return {
        "statements": statements,
        "goals": goals,
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "coordinator": plan.coordinator_id,
    }


def _changed(plan: Plan, *, by: Actor, action: str, detail: dict | None = None) -> PlanVersion:
    """Bump the version, store the snapshot and audit the change (inside the caller's
    transaction)."""
    # The row's own counter, locked: the caller's Plan object may be stale.
    current = Plan.objects.select_for_update().values_list("version", flat=True).get(pk=plan.pk)
    plan.version = current + 1
    plan.updated_at = timezone.now()
    plan.save(update_fields=["version", "updated_at"])
    author = author_for(by)
    version = PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        by_label=author.label,
        by_kind=author.kind,
        action=action,
        snapshot=snapshot(plan),
    )
    record_event(
        by=by,
        action=f"plan.{action}",
        person_id=str(plan.person.external_id),
        detail={"plan": str(plan.external_id), "version": plan.version, **(detail or {})},
    )
    return version


@transaction.atomic
def create_plan(person, *, by: Actor, kind: str = PlanKind.PERSON, cares_for=None) -> Plan:
    """The person's plan (one per person and kind), created empty if they have none. A
    carer's plan names the plan of the person cared for."""
    _require_writer(by, person)
    existing = Plan.objects.filter(person=person, kind=kind).first()
    if existing is not None:
        return existing
    if kind == PlanKind.CARER:
        if cares_for is None:
            raise ValidationError("A carer's plan is linked to the plan of the person cared for.")
        if cares_for.person_id == person.pk:
            raise ValidationError("A carer's plan is for someone other than the person cared for.")
    plan = Plan.objects.create(person=person, kind=kind, cares_for=cares_for)
    _changed(plan, by=by, action="created", detail={"kind": kind})
    return plan


def _next_position(plan: Plan) -> int:
    return (plan.statements.aggregate(m=Max("position"))["m"] or 0) + 1


def _statement(
    plan: Plan, section_code: str, text: str, *, by: Actor, source: str = ""
) -> PlanStatement:
    if section_code not in SECTION_CODES:
        raise ValidationError(f"Unknown plan section {section_code!r}.")
    try:
        state = provenance.write(text, by=author_for(by, source))
    except provenance.ProvenanceError as exc:
        raise ValidationError(str(exc)) from None
    row = PlanStatement(
        plan=plan, section=section_code, position=_next_position(plan), source=source
    )
    row.apply(state)
    row.save()
    return row


@transaction.atomic
def propose_statement(plan: Plan, section_code: str, text: str, *, by: Actor) -> PlanStatement:
    """Add a statement to a section. A professional's words are a draft until the person
    (or their representative) confirms them; the person's own writing is theirs at once."""
    _require_writer(by, plan.person)
    row = _statement(plan, section_code, text, by=by)
    _changed(
        plan,
        by=by,
        action="statement_proposed",
        detail={"statement": str(row.external_id), "section": section_code, "voice": row.status},
    )
    return row


def _locked(statement: PlanStatement) -> PlanStatement:
    return (
        PlanStatement.objects.select_for_update()
        .select_related("plan__person")
        .get(pk=statement.pk)
    )


@transaction.atomic
def edit_statement(statement: PlanStatement, text: str, *, by: Actor) -> PlanStatement:
    """New words for a statement. A professional's change returns even a confirmed
    statement to draft; the person's rewrite is theirs."""
    row = _locked(statement)
    _require_writer(by, row.plan.person)
    before = row.as_domain()
    try:
        after = provenance.edit(before, text, by=author_for(by))
    except provenance.ProvenanceError as exc:
        raise ValidationError(str(exc)) from None
    if after == before:
        return row
    row.apply(after)
    row.updated_at = timezone.now()
    row.save()
    _changed(
        row.plan,
        by=by,
        action="statement_edited",
        detail={"statement": str(row.external_id), "status": row.status},
    )
    return row


@transaction.atomic
def confirm_statement(statement: PlanStatement, *, by: Actor) -> PlanStatement:
    """The person (or their representative) confirms these exact words as theirs. Staff
    are refused, whatever their role."""
    row = _locked(statement)
    if provenance.author_kind_for_role(by.role) not in provenance.VOICES:
        raise PermissionDenied(
            "Only the person, or the representative they chose, can confirm a statement."
        )
    _require(by, row.plan.person, Permission.CONFIRM_PLAN)
    row.apply(provenance.confirm(row.as_domain(), by=author_for(by)))
    row.confirmed_at = timezone.now()
    row.updated_at = row.confirmed_at
    row.save()
    _changed(
        row.plan, by=by, action="statement_confirmed", detail={"statement": str(row.external_id)}
    )
    return row


@transaction.atomic
def restore_version(plan: Plan, number: int, *, by: Actor) -> PlanVersion:
    """Bring back the words every statement had in version `number`. Each restore is an
    edit by whoever restores (`provenance.restore`), so a professional's restore leaves
    drafts even of words the person once confirmed. Statements written since that version
    are kept: a restore never deletes what someone wrote."""
    _require_writer(by, plan.person)
    old = PlanVersion.objects.filter(plan=plan, number=number).first()
    if old is None:
        raise ValidationError(f"This plan has no version {number}.")
    author = author_for(by)
    rows = {str(s.external_id): s for s in plan.statements.select_for_update()}
    restored = 0
    for item in old.snapshot["statements"]:
        row = rows.get(item["id"])
        if row is None:
            continue
        earlier = provenance.Statement(
            text=item["text"],
            written_by=provenance.Author(*item["written_by"]),
        )
        after = provenance.restore(row.as_domain(), earlier, by=author)
        if after != row.as_domain():
            row.apply(after)
            row.updated_at = timezone.now()
            row.save()
            restored += 1
    return _changed(plan, by=by, action="version_restored", detail={"from": number, "n": restored})


@transaction.atomic
def add_goal(
    plan: Plan,
    text: str,
    *,
    by: Actor,
    who_helps: str = "",
    by_when: date | None = None,
    services=(),
    budget_line: str = "",
) -> Goal:
    """A goal: its words (a statement in "My goals", with provenance like any other), who
    helps, by when, and the services that serve it (the person's own source events)."""
    _require_writer(by, plan.person)
    row = _statement(plan, "goals", text, by=by)
    goal = Goal.objects.create(
        plan=plan,
        statement=row,
        who_helps=who_helps.strip()[:300],
        by_when=by_when,
        budget_line=budget_line.strip()[:100],
    )
    if services:
        _check_services(plan, services, by=by)
        goal.services.set(services)
    _changed(plan, by=by, action="goal_added", detail={"goal": str(goal.external_id)})
    return goal


def _check_services(plan: Plan, services, *, by: Actor) -> None:
    """Only the person's own services, and only ones the actor may see themselves."""
    from onestory.sources.models import SourceEvent

    ids = [getattr(s, "pk", s) for s in services]
    mine = SourceEvent.objects.filter(
        pk__in=ids,
        record__links__run__is_current=True,
        record__links__person=plan.person,
        category__in=decide(by, plan.person).categories,
    ).count()
    if mine != len(set(ids)):
        raise ValidationError("A goal can only be linked to this person's own services.")


@transaction.atomic
def set_coordinator(plan: Plan, staff, *, by: Actor) -> Plan:
    """Name the plan's care coordinator (a member of staff)."""
    _require(by, plan.person, Permission.PROPOSE_PLAN)
    plan.coordinator = staff
    plan.save(update_fields=["coordinator"])
    _changed(plan, by=by, action="coordinator_set", detail={"staff": staff.pk if staff else None})
    return plan


@transaction.atomic
def record_review(
    plan: Plan,
    *,
    by: Actor,
    held_on: date,
    next_review_on: date,
    progress: list[tuple[Goal, str, str, str]] = (),
) -> Review:
    """A review: for each goal, (goal, progress, the person's words, the professional's
    words), and the date of the next review, which becomes the plan's."""
    _require(by, plan.person, Permission.PROPOSE_PLAN)
    if next_review_on <= held_on:
        raise ValidationError("The next review must be after this one.")
    review = Review.objects.create(
        plan=plan,
        held_on=held_on,
        next_review_on=next_review_on,
        recorded_by_label=author_for(by).label,
    )
    for goal, state, person_words, professional_words in progress:
        if goal.plan_id != plan.pk:
            raise ValidationError("That goal belongs to another plan.")
        if state not in Progress.values:
            raise ValidationError(f"Unknown progress {state!r}.")
        GoalProgress.objects.create(
            review=review,
            goal=goal,
            progress=state,
            person_words=person_words.strip(),
            professional_words=professional_words.strip(),
        )
        if state == Progress.ACHIEVED and goal.achieved_on is None:
            goal.achieved_on = held_on
            goal.save(update_fields=["achieved_on"])
    plan.next_review_on = next_review_on
    plan.save(update_fields=["next_review_on"])
    _changed(plan, by=by, action="review_recorded", detail={"goals": len(progress)})
    return review


def section_title(code: str) -> str:
    return section(code).title
