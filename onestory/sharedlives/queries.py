"""Shared Lives reads. Carer pages need the permission to run the scheme; anything about a
person referred asks the record's access decision (one person: `check_person`; a list:
`search_access`, with people the reader may not see shown as withheld). Each read is
audited with ids and counts."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import (
    has_permission,
    partnership_people,
    require,
    search_access,
)
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.home.domain.small_numbers import suppress
from onestory.sharedlives.actions import check_person
from onestory.sharedlives.domain import matching
from onestory.sharedlives.models import (
    Arrangement,
    Carer,
    CarerStatus,
    Referral,
    ReferralStatus,
)


def _taken() -> Counter:
    rows = (
        Arrangement.objects.filter(ended_on__isnull=True).values("carer_id").annotate(n=Count("id"))
    )
    return Counter({r["carer_id"]: r["n"] for r in rows})


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral | None  # None when withheld
    name: str = ""


@dataclass
class SchemePage:
    carers: list[tuple[Carer, int]]  # with places taken
    referrals: list[ReferralRow]
    withheld: int
    reviews_due: int
    # The scheme-wide assignment for everyone looking for a match: referral id -> (carer,
    # score), shown only for people the reader may see.
    suggested: dict[int, tuple[Carer, int]] = field(default_factory=dict)
    suggested_matched: int = 0
    looking: int = 0


def scheme(*, by: Actor, today: date | None = None) -> SchemePage:
    require(by, Permission.MANAGE_SHARED_LIVES)
    from onestory.planning.queries import person_name

    today = today or timezone.localdate()
    taken = _taken()
    carers = [(c, taken[c.pk]) for c in Carer.objects.all()]
    open_referrals = list(
        Referral.objects.filter(
            status__in=[ReferralStatus.OPEN, ReferralStatus.ARRANGED]
        ).select_related("person")
    )
    access = search_access(by, [r.person_id for r in open_referrals]) if open_referrals else {}
    rows = [
        ReferralRow(r, person_name(r.person)) if access.get(r.person_id) else ReferralRow(None)
        for r in open_referrals
    ]
    withheld = sum(1 for r in rows if r.referral is None)
    due = sum(
        1
        for c, _ in carers
        if c.status == CarerStatus.APPROVED and c.next_review and c.next_review <= today
    )
    suggested, matched, looking = _suggest(open_referrals, carers)
    record_event(
        by=by,
        action="sharedlives.scheme_viewed",
        detail={"carers": len(carers), "referrals": len(rows) - withheld, "withheld": withheld},
    )
    visible = [r for r in rows if r.referral is not None]
    shown = {r.referral.pk: suggested[r.referral.pk] for r in visible if r.referral.pk in suggested}
    return SchemePage(carers, visible, withheld, due, shown, matched, looking)


def _suggest(referrals: list[Referral], carers: list[tuple[Carer, int]]):
    """The best assignment across the scheme (as many people matched as possible, then the
    highest total score) of everyone still looking, to approved carers with room."""
    from onestory.sharedlives.domain import assignment

    looking = [r for r in referrals if r.status == ReferralStatus.OPEN]
    approved = [(c, taken) for c, taken in carers if c.status == CarerStatus.APPROVED]
    if not looking or not approved:
        return {}, 0, len(looking)
    result = assignment.assign(
        [r.profile() for r in looking], [c.profile(taken) for c, taken in approved]
    )
    by_ref = {str(r.external_id): r.pk for r in looking}
    by_carer = {str(c.external_id): c for c, _ in approved}
    suggested = {by_ref[m.person_id]: (by_carer[m.carer_id], m.score) for m in result.matches}
    return suggested, len(result.matches), len(looking)


def carer(carer_id, *, by: Actor) -> tuple[Carer, int]:
    require(by, Permission.MANAGE_SHARED_LIVES)
    row = Carer.objects.filter(external_id=carer_id).first()
    if row is None:
        from django.http import Http404

        raise Http404("No such carer.")
    record_event(by=by, action="sharedlives.carer_viewed", detail={"carer": str(row.external_id)})
    return row, _taken()[row.pk]


def what_matters(person) -> str:
    """The "What matters to me" statements of the person's plan, one a line. Callers have
    checked access."""
    from onestory.planning.models import PlanStatement

    rows = PlanStatement.objects.filter(
        plan__person=person, plan__kind="person", section="matters"
    ).order_by("position", "id")
    return "\n".join(r.text for r in rows)


def latest_postcode(person) -> str:
    from onestory.people.models import PersonLink

    link = (
        PersonLink.objects.filter(run__is_current=True, person=person)
        .exclude(record__postcode="")
        .select_related("record")
        .order_by("-record_id")
        .first()
    )
    return link.record.postcode if link else ""


def refer_defaults(person, *, by: Actor) -> dict:
    """What the referral form starts with, from the person's plan and record."""
    check_person(by, person, attempted="sharedlives.refer")
    from onestory.planning.queries import person_name

    record_event(by=by, action="sharedlives.refer_opened", person_id=str(person.external_id))
    return {
        "name": person_name(person),
        "postcode": latest_postcode(person),
        "what_matters": what_matters(person),
    }


@dataclass
class ReferralPage:
    referral: Referral
    name: str
    shortlist: matching.Shortlist
    carers_by_id: dict[str, Carer]
    arrangement: Arrangement | None
    payments: list = field(default_factory=list)
    streams: list = field(default_factory=list)
    weekly_saving_pence: int | None = None


def referral(referral_id, *, by: Actor, size: int = 10) -> ReferralPage:
    row = Referral.objects.filter(external_id=referral_id).select_related("person").first()
    if row is None:
        from django.http import Http404

        raise Http404("No such referral.")
    check_person(by, row.person, attempted="sharedlives.referral")
    from onestory.planning.queries import person_name

    taken = _taken()
    approved = list(Carer.objects.filter(status=CarerStatus.APPROVED))
    carers = [c.profile(taken[c.pk]) for c in approved]
    shortlist = matching.shortlist(row.profile(), carers, size=size)
    arrangement = getattr(row, "arrangement", None)
    payments, streams = [], []
    if arrangement is not None:
        payments = [p.ledger_entry for p in arrangement.payments.select_related("ledger_entry")]
    if has_permission(by, Permission.MANAGE_BUDGETS):
        from onestory.budgets.models import BudgetStream

        streams = list(
            BudgetStream.objects.filter(budget__person=row.person).select_related("budget")
        )
    saving = None
    if arrangement is not None and row.alternative_weekly_pence:
        saving = row.alternative_weekly_pence - arrangement.weekly_pence
    record_event(
        by=by,
        action="sharedlives.referral_viewed",
        person_id=str(row.person.external_id),
        detail={"referral": str(row.external_id), "shortlisted": len(shortlist.candidates)},
    )
    return ReferralPage(
        row,
        person_name(row.person),
        shortlist,
        {str(c.external_id): c for c in approved},
        arrangement,
        payments,
        streams,
        saving,
    )


@dataclass(frozen=True)
class CostReport:
    arrangements: object  # a small_numbers.Count
    weekly_pence: int | None  # None when the count is suppressed
    alternative_weekly_pence: int | None
    saving_weekly_pence: int | None
    approved_carers: int
    places: int


def costs(*, by: Actor) -> CostReport:
    """The scheme's cost against the placements people would otherwise have: aggregates
    only (small numbers suppressed), for commissioners and the scheme."""
    if not (
        has_permission(by, Permission.VIEW_AGGREGATES)
        or has_permission(by, Permission.MANAGE_SHARED_LIVES)
    ):
        raise PermissionDenied("Your role does not allow: view aggregates")
    active = Arrangement.objects.filter(ended_on__isnull=True).select_related("referral")
    own = partnership_people(by)  # a commissioner's own partnership (ADR 0026)
    if own is not None:
        active = active.filter(referral__person_id__in=own)
    # Only arrangements with a stated alternative compare like with like.
    compared = [a for a in active if a.referral.alternative_weekly_pence]
    n = suppress(len(compared))
    weekly = sum(a.weekly_pence for a in compared)
    alternative = sum(a.referral.alternative_weekly_pence for a in compared)
    approved = Carer.objects.filter(status=CarerStatus.APPROVED)
    report = CostReport(
        n,
        None if n.suppressed else weekly,
        None if n.suppressed else alternative,
        None if n.suppressed else alternative - weekly,
        approved.count(),
        sum(approved.values_list("capacity", flat=True)),
    )
    record_event(by=by, action="sharedlives.costs_viewed", detail={"suppressed": n.suppressed})
    return report
