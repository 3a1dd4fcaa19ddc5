"""The partnership overview: figures about the whole borough for commissioners and analysts,
never about one person. Every count of people leaves out those who opted out of secondary
use, and every count on the page passes through small-number suppression (1 to 7 is shown
as "fewer than 8"). The read checks VIEW_AGGREGATES and is audited with counts only."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Sum
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import has_permission, partnership_people
from onestory.access.queries import people_opted_out
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.home.domain.small_numbers import Count as Shown
from onestory.home.domain.small_numbers import suppress
from onestory.people.models import LinkageRun, LinkDecision, PersonLink, ReviewPair
from onestory.planning.models import Plan, PlanKind
from onestory.sources.domain.facts import SOURCE_KIND_LABELS, SOURCE_KINDS
from onestory.sources.models import ImportFile, QuarantinedRow

# A plan review counts as "due soon" when its date is within this many days.
DUE_SOON_DAYS = 28


@dataclass(frozen=True)
class ServiceRow:
    label: str
    people: Shown


@dataclass(frozen=True)
class ImportRow:
    label: str
    files: int
    last_imported: datetime | None
    rows_imported: Shown
    problems: Shown


@dataclass(frozen=True)
class Linkage:
    version: int
    method: str
    finished_at: datetime | None
    people: Shown
    awaiting_review: Shown


@dataclass(frozen=True)
class PlanReviews:
    overdue: Shown
    due_soon: Shown
    later: Shown
    no_date: Shown


@dataclass(frozen=True)
class Overview:
    people: Shown
    services: list[ServiceRow]
    imports: list[ImportRow]
    linkage: Linkage | None
    plan_reviews: PlanReviews
    due_soon_days: int = DUE_SOON_DAYS


def partnership_overview(*, by: Actor, today: date | None = None) -> Overview:
    """The borough's aggregate figures; PermissionDenied without VIEW_AGGREGATES."""
    if not has_permission(by, Permission.VIEW_AGGREGATES):
        raise PermissionDenied("Your role does not allow: view aggregates")
    today = today or timezone.localdate()
    run = LinkageRun.objects.filter(is_current=True).first()
    links = PersonLink.objects.filter(run=run).exclude(person_id__in=people_opted_out())
    own = partnership_people(by)  # a commissioner's own partnership's people (ADR 0026)
    if own is not None:
        links = links.filter(person_id__in=own)
    people = links.values("person_id").distinct().count() if run else 0
    overview = Overview(
        people=suppress(people),
        services=_services(links) if run else [],
        imports=_imports(),
        linkage=_linkage(run, people) if run else None,
        plan_reviews=_plan_reviews(today, own),
    )
    record_event(
        by=by,
        action="overview.viewed",
        detail={"people": people, "services": len(overview.services)},
    )
    return overview


def _services(links) -> list[ServiceRow]:
    """People known to each kind of service (a person known to two GP practices counts
    once for GP practices)."""
    counts = dict(
        links.values_list("record__system__kind")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("record__system__kind", "n")
    )
    return [
        ServiceRow(SOURCE_KIND_LABELS[kind], suppress(counts.get(kind, 0))) for kind in SOURCE_KINDS
    ]


def _imports() -> list[ImportRow]:
    files = {
        row["kind"]: row
        for row in ImportFile.objects.values("kind").annotate(
            files=Count("id"), last=Max("imported_at"), rows=Sum("rows_imported")
        )
    }
    problems = dict(
        QuarantinedRow.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    out = []
    for kind, label in SOURCE_KIND_LABELS.items():
        row = files.get(kind)
        if row is None and not problems.get(kind):
            continue
        out.append(
            ImportRow(
                label=label,
                files=row["files"] if row else 0,
                last_imported=row["last"] if row else None,
                rows_imported=suppress((row["rows"] or 0) if row else 0),
                problems=suppress(problems.get(kind, 0)),
            )
        )
    return out


def _linkage(run: LinkageRun, people: int) -> Linkage:
    decided = LinkDecision.objects.filter(
        record_a_id=OuterRef("record_a_id"), record_b_id=OuterRef("record_b_id")
    )
    awaiting = ReviewPair.objects.filter(run=run).exclude(Exists(decided)).count()
    return Linkage(
        version=run.version,
        method=run.method,
        finished_at=run.finished_at,
        people=suppress(people),
        awaiting_review=suppress(awaiting),
    )


def _plan_reviews(today: date, own=None) -> PlanReviews:
    plans = Plan.objects.filter(kind=PlanKind.PERSON).exclude(person_id__in=people_opted_out())
    if own is not None:
        plans = plans.filter(person_id__in=own)
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return PlanReviews(
        overdue=suppress(plans.filter(next_review_on__lt=today).count()),
        due_soon=suppress(
            plans.filter(next_review_on__gte=today, next_review_on__lte=soon).count()
        ),
        later=suppress(plans.filter(next_review_on__gt=soon).count()),
        no_date=suppress(plans.filter(next_review_on__isnull=True).count()),
    )
