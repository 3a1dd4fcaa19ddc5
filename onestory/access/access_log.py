"""The person's access log a page at a time, filtered by organisation and dates.

The same rule as `access.queries.access_log_for_person` (the person, their representative
or a privacy lead; audited as "access.log_viewed"), over the database rather than the
whole log in memory: a person whose record is read every day has thousands of entries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.models import Organisation
from onestory.access.policy import decide, has_permission
from onestory.access.queries import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    AccessLogEntry,
    _role_label,
)
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrganisationOption:
    code: str
    name: str
    selected: bool


@dataclass(frozen=True)
class AccessLogPage:
    entries: tuple[AccessLogEntry, ...]
    total: int  # matching the filters
    page: int
    page_size: int
    organisations: tuple[OrganisationOption, ...]  # everyone in the whole log
    filtered: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def access_log_page(
    person,
    *,
    by: Actor,
    organisation: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> AccessLogPage:
    """One page of the person's access log, newest first, of one organisation's entries
    (by ODS code; "" for all) between two days (inclusive, UK time)."""
    decision = decide(by, person)
    own = decision.allowed and decision.basis in ("own_record", "representative")
    if not own and not has_permission(by, Permission.REVIEW_BREAK_GLASS):
        raise PermissionDenied("You may not read this access log.")
    everything = AuditEvent.objects.filter(person_id=str(person.external_id))
    codes = sorted(set(everything.exclude(organisation="").values_list("organisation", flat=True)))
    names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))
    events = everything
    if organisation:
        events = events.filter(organisation=organisation)
    if date_from is not None:
        events = events.filter(at__gte=_day_start(date_from))
    if date_to is not None:
        events = events.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    page_size = max(1, min(int(page_size), 200))
    total = events.count()
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))
    rows = events.order_by("-id")[(page - 1) * page_size : page * page_size]
    entries = tuple(
        AccessLogEntry(
            at=e.at,
            who=e.actor_label,
            role=_role_label(e.role),
            organisation=names.get(e.organisation, e.organisation),
            action=e.action,
            what=ACTION_LABELS.get(e.action, e.action.replace(".", ": ").replace("_", " ")),
            how=CHANNEL_LABELS.get(e.channel, e.channel),
            why=e.purpose,
            refused=e.action == "record.denied",
        )
        for e in rows
    )
    record_event(
        by=by,
        action="access.log_viewed",
        person_id=str(person.external_id),
        detail={"page": page, "organisation": organisation, "dated": bool(date_from or date_to)},
    )
    options = sorted(
        (OrganisationOption(c, names.get(c, c), c == organisation) for c in codes),
        key=lambda o: o.name.lower(),
    )
    return AccessLogPage(
        entries=entries,
        total=total,
        page=page,
        page_size=page_size,
        organisations=tuple(options),
        filtered=bool(organisation or date_from or date_to),
    )
