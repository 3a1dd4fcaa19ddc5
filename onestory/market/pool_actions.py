"""People commissioning together: pools, their members' shares, consent and exit. One
function per change, keyword-only `by=`, in a transaction with its audit event.

This is person-level work for the staff who hold people's budgets (MANAGE_BUDGETS: care
coordinators and social workers), never for commissioners. Every change about a member
asks the record's access decision for that member (finance included); a refusal is audited
as `record.denied` and nothing changes. A member's share reaches their budget through the
budgets actions: a committed line once they consent, lowered when they leave."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, has_permission, require
from onestory.access.queries import denied
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.budgets import actions as budgets
from onestory.budgets.domain.money import format_pounds
from onestory.budgets.models import BudgetStream
from onestory.market.domain import pools
from onestory.market.models import ConsentStatus, Pool, PoolMember, Service
from onestory.record.domain.dates import nhs_date
from onestory.sources.domain.facts import FINANCE

MAX_SHARE_PENCE = 10_000_00
CONSENT_ROLES = (
    pools.BY_PERSON,
    pools.BY_REPRESENTATIVE,
)  # a share per period: far above any pooled activity


def check_member(by: Actor, person, *, attempted: str) -> None:
    """MANAGE_BUDGETS and a relationship that shows this person's finances, or
    PermissionDenied (audited as record.denied, naming nothing about them)."""
    if not has_permission(by, Permission.MANAGE_BUDGETS):
        denied(by, person, attempted=attempted, reason="role_not_permitted")
        raise PermissionDenied("You do not have access to this person's budget.")
    decision = decide(by, person)
    if not decision.allowed or FINANCE not in decision.categories:
        reason = decision.reason if not decision.allowed else "category_not_permitted"
        denied(by, person, attempted=attempted, reason=reason)
        raise PermissionDenied("You do not have access to this person's budget.")


def check_consenter(by: Actor, person, *, attempted: str) -> None:
    """Who may answer for a member: the person or their representative signed in to their
    own record, or staff who hold the person's budget (`check_member`)."""
    if by.role not in CONSENT_ROLES:
        check_member(by, person, attempted=attempted)
        return
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied("This is not your record.")


def _event(by: Actor, action: str, member: PoolMember, **detail) -> None:
    record_event(
        by=by,
        action=action,
        person_id=str(member.person.external_id),
        detail={"pool": str(member.pool.external_id), "member": str(member.external_id), **detail},
    )


def create_pool(
    *, name: str, service: Service, period: str, cost_pence: int, start: date, by: Actor
) -> Pool:
    require(by, Permission.MANAGE_BUDGETS)
    if not name.strip():
        raise ValidationError("Name the pool (what the people are buying together).")
    if period not in pools.PERIODS:
        raise ValidationError("Choose how often the shares are paid: a week or a month.")
    if cost_pence <= 0:
        raise ValidationError("Enter what the service costs each period.")
    if not service.active:
        raise ValidationError("That service has been decommissioned.")
    with transaction.atomic():
        pool = Pool.objects.create(
            name=name.strip()[:200],
            service=service,
            period=period,
            cost_pence=cost_pence,
            start=start,
            created_at=timezone.now(),
            created_by=by.label,
        )
        record_event(
            by=by,
            action="market.pool_created",
            detail={
                "pool": str(pool.external_id),
                "service": str(service.external_id),
                "period": period,
                "cost_pence": cost_pence,
            },
        )
    return pool


def _line_text(member: PoolMember) -> str:
    pool = member.pool
    text = (
        f"Pooled with others: {pool.name} — {format_pounds(member.share_pence)} "
        f"{pools.PERIODS[pool.period]} from {nhs_date(member.start)}"
    )
    if member.end is not None:
        text += f", stopped from {nhs_date(member.end)}"
    return text


def _committed(member: PoolMember) -> int:
    budget = member.stream.budget
    return pools.committed(
        member.share_pence,
        member.pool.start,
        member.pool.period,
        max(member.start, budget.period_start),
        member.end,
        budget.period_end,
    )


def add_member(
    *,
    pool: Pool,
    stream: BudgetStream,
    share_pence: int,
    start: date,
    consent_by: str = "",
    agreement: str = "",
    by: Actor,
) -> PoolMember:
    """Add a person to the pool with their share per period from one of their budget
    streams. With `consent_by` their consent is recorded at once (else it is awaited)."""
    person = stream.budget.person
    check_member(by, person, attempted="market.pool_member_added")
    if not 0 < share_pence <= MAX_SHARE_PENCE:
        raise ValidationError("Enter the person's share for each period, more than nothing.")
    if start < pool.start or (pool.end is not None and start >= pool.end):
        raise ValidationError("A member joins on or after the pool starts, before it ends.")
    ends = Service.objects.values_list("decommissioned_on", flat=True).get(pk=pool.service_id)
    if ends is not None and start >= ends:
        raise ValidationError("The service this pool buys ends before the share would start.")
    budget = stream.budget
    if not budget.period_start <= start < budget.period_end:
        raise ValidationError("The share must start within the budget's period.")
    with transaction.atomic():
        if PoolMember.objects.filter(pool=pool, person=person, end__isnull=True).exists():
            raise ValidationError("This person is already in the pool.")
        member = PoolMember.objects.create(
            pool=pool,
            person=person,
            stream=stream,
            share_pence=share_pence,
            start=start,
            added_at=timezone.now(),
            added_by=by.label,
        )
        _event(by, "market.pool_member_added", member, share_pence=share_pence)
        if consent_by:
            member = _consent(member, consent_by, agreement, by)
    return member


def _consent(member: PoolMember, given_by: str, agreement: str, by: Actor) -> PoolMember:
    problem = pools.consent_problem(given_by, agreement, by.role)
    if problem:
        raise ValidationError(problem)
    member.consent = ConsentStatus.GIVEN
    member.consent_by = given_by
    member.consent_note = agreement.strip()[:2000]
    member.consent_at = timezone.now()
    member.consent_recorded_by = by.label
    # The person's own answer commits their share too; they do not manage budgets, so the
    # line is written by OneStory for them (its audit event says so, next to theirs).
    writer = by if by.role not in CONSENT_ROLES else Actor.system("pool-consent", channel="page")
    member.line = budgets.add_line(
        stream=member.stream,
        description=_line_text(member),
        planned_pence=_committed(member),
        goal_text=f"Shared service: {member.pool.service.name}"[:300],
        by=writer,
    )
    member.save()
    _event(
        by,
        "market.pool_consent_recorded",
        member,
        consent="given",
        consent_by=given_by,
        committed_pence=member.line.planned_pence,
    )
    return member


def record_consent(
    *, member: PoolMember, given_by: str, agreement: str, decline: bool = False, by: Actor
) -> PoolMember:
    """The member's answer. Given: the share is committed on their budget. Declined: they
    are not in the pool (their refusal is kept, and nothing moves from their budget)."""
    check_consenter(by, member.person, attempted="market.pool_consent_recorded")
    if by.role in CONSENT_ROLES:
        given_by = by.role
        if by.role == pools.BY_REPRESENTATIVE:
            agreement = agreement.strip() or by.label
    with transaction.atomic():
        locked = PoolMember.objects.select_for_update().get(pk=member.pk)
        if locked.consent != ConsentStatus.PENDING or locked.end is not None:
            raise ValidationError("This member's consent has already been recorded.")
        if not decline:
            return _consent(locked, given_by, agreement, by)
        locked.consent = ConsentStatus.DECLINED
        locked.consent_note = agreement.strip()[:2000]
        locked.consent_at = timezone.now()
        locked.consent_recorded_by = by.label
        locked.end = locked.start
        locked.exit_reason = "Declined to join"
        locked.save()
        _event(by, "market.pool_consent_recorded", locked, consent="declined")
    return locked


def exit_member(*, member: PoolMember, on: date, reason: str, by: Actor) -> PoolMember:
    """The member leaves: their share stops from `on` (no share is due for a period that
    starts on or after it), and the line on their budget is lowered to match."""
    check_member(by, member.person, attempted="market.pool_member_left")
    if not reason.strip():
        raise ValidationError("Say why the person is leaving the pool.")
    with transaction.atomic():
        locked = PoolMember.objects.select_for_update().select_related("pool").get(pk=member.pk)
        if locked.end is not None:
            raise ValidationError("This person has already left the pool.")
        if on < locked.start:
            raise ValidationError("A member cannot leave before they joined.")
        locked.end = on
        locked.exit_reason = reason.strip()[:2000]
        locked.save()
        committed = None
        if locked.line is not None:
            committed = _committed(locked)
            budgets.revise_line(
                line=locked.line, planned_pence=committed, description=_line_text(locked), by=by
            )
        _event(
            by,
            "market.pool_member_left",
            locked,
            on=on.isoformat(),
            committed_pence=committed,
        )
    return locked
