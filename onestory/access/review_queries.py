"""The privacy leads' review queue: break-glass grants and care-team joins waiting for
review, routed to the organisation's privacy lead or, when it has none, to every privacy lead
(see access.domain.review); overdue items flagged first and listed for escalation. Audited
reads; the person's name is shown to the reviewer (who needs it to judge) and each name
shown is audited."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.review import REVIEW_OVERDUE, is_overdue, may_review, routed_to
from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.models import BreakGlassGrant, CareTeamJoinRequest, StaffMember
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor


def _role_label(code: str) -> str:
    role = any_role_for(code)
    return role.label if role is not None else code


@dataclass(frozen=True)
class BreakGlassEntry:
    grant_id: int
    staff: str
    staff_role: str
    organisation: str
    person_id: uuid.UUID
    reason: str
    started_at: datetime
    expires_at: datetime
    active: bool
    reviewed_at: datetime | None
    reviewed_by: str
    outcome: str
    note: str
    person_name: str = ""  # shown (and audited) while waiting for review
    overdue: bool = False
    routed: str = "organisation"  # or "partnership": the organisation has no privacy lead


@dataclass(frozen=True)
class JoinRequestEntry:
    request_id: int
    staff: str
    staff_role: str
    organisation: str
    whole_team: bool
    person_id: uuid.UUID
    person_name: str
    reason: str
    requested_at: datetime
    requested_by: str
    reviewed_at: datetime | None
    reviewed_by: str
    outcome: str
    note: str
    overdue: bool
    routed: str


def organisations_with_privacy_lead() -> frozenset[str]:
    """Codes of the organisations with at least one active privacy lead."""
    return frozenset(
        StaffMember.objects.filter(role="privacy_lead", user__is_active=True).values_list(
            "organisation__code", flat=True
        )
    )


def _in_my_queue(
    by: Actor, organisation_code: str, started_at, reviewed: bool, leads, now, reviewed_by=""
):
    if by.role == "system":
        return True
    if reviewed:  # the reviewed list: what my organisation's staff did, or what I reviewed
        return organisation_code == by.organisation or reviewed_by == by.label
    overdue = is_overdue(started_at, False, now)
    return may_review(by.organisation, organisation_code, leads, overdue=overdue)


def _person_names(person_pks) -> dict[int, str]:
    """A display name for each person (from their linked records, GP first)."""
    from onestory.people.models import PersonLink

    names: dict[int, tuple[bool, str]] = {}
    links = PersonLink.objects.filter(run__is_current=True, person_id__in=set(person_pks))
    rows = links.values_list(
        "person_id", "record__system__kind", "record__given_name", "record__family_name"
    )
    for pid, kind, given, family in rows:
        name = f"{given} {family}".strip()
        if name and (pid not in names or (kind == "gp" and not names[pid][0])):
            names[pid] = (kind == "gp", name)
    return {pid: name for pid, (_, name) in names.items()}


def _audit_names_shown(by: Actor, items, queue: str) -> None:
    """Showing a person's name to a reviewer is a read: one event per person named."""
    for person_id in dict.fromkeys(str(i.person_id) for i in items if i.person_name):
        record_event(
            by=by,
            action="access.review_queue_named",
            person_id=person_id,
            detail={"queue": queue},
        )


def break_glass_queue(*, by: Actor, include_reviewed: bool = False) -> tuple[BreakGlassEntry, ...]:
    """Break-glass grants in the privacy lead's queue (see access.domain.review): their own
    organisation's, those of organisations without a privacy lead, and any overdue one.
    Unreviewed first (overdue first, then oldest first), then, if asked, the reviewed ones
    of their organisation (newest first). Unreviewed entries name the person; each name
    shown is audited."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    grants = BreakGlassGrant.objects.select_related("staff__user", "staff__organisation", "person")
    if not include_reviewed:
        grants = grants.filter(reviewed_at__isnull=True)
    now = timezone.now()
    leads = organisations_with_privacy_lead()
    grants = [
        g
        for g in grants
        if _in_my_queue(
            by,
            g.staff.organisation.code,
            g.started_at,
            g.reviewed_at is not None,
            leads,
            now,
            g.reviewed_by,
        )
    ]
    rows = sorted(
        grants,
        key=lambda g: (
            g.reviewed_at is not None,
            not is_overdue(g.started_at, g.reviewed_at is not None, now),
            g.started_at.timestamp() * (1 if g.reviewed_at is None else -1),
        ),
    )
    names = _person_names(g.person_id for g in rows if g.reviewed_at is None)
    out = tuple(
        BreakGlassEntry(
            grant_id=g.pk,
            staff=g.staff.full_name,
            staff_role=g.staff.job_title or _role_label(g.staff.role),
            organisation=g.staff.organisation.name,
            person_id=g.person.external_id,
            reason=g.reason,
            started_at=g.started_at,
            expires_at=g.expires_at,
            active=g.expires_at > now,
            reviewed_at=g.reviewed_at,
            reviewed_by=g.reviewed_by,
            outcome=g.review_outcome,
            note=g.review_note,
            person_name=names.get(g.person_id, "") if g.reviewed_at is None else "",
            overdue=is_overdue(g.started_at, g.reviewed_at is not None, now),
            routed=routed_to(g.staff.organisation.code, leads),
        )
        for g in rows
    )
    record_event(by=by, action="access.break_glass_queue", detail={"shown": len(out)})
    _audit_names_shown(by, out, "break_glass")
    return out


def join_request_queue(
    *, by: Actor, include_reviewed: bool = False
) -> tuple[JoinRequestEntry, ...]:
    """Care-team joins waiting for review (no basis the system could check), routed like
    break-glass grants; each person named is audited."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    requests = CareTeamJoinRequest.objects.select_related(
        "staff__user", "staff__organisation", "organisation", "person"
    )
    if not include_reviewed:
        requests = requests.filter(reviewed_at__isnull=True)
    now = timezone.now()
    leads = organisations_with_privacy_lead()
    requests = [
        r
        for r in requests
        if _in_my_queue(
            by,
            r.organisation.code,
            r.requested_at,
            r.reviewed_at is not None,
            leads,
            now,
            r.reviewed_by,
        )
    ]
    rows = sorted(
        requests,
        key=lambda r: (
            r.reviewed_at is not None,
            not is_overdue(r.requested_at, r.reviewed_at is not None, now),
            r.requested_at.timestamp() * (1 if r.reviewed_at is None else -1),
        ),
    )
    names = _person_names(r.person_id for r in rows if r.reviewed_at is None)
    out = tuple(
        JoinRequestEntry(
            request_id=r.pk,
            staff=r.staff.full_name,
            staff_role=r.staff.job_title or _role_label(r.staff.role),
            organisation=r.organisation.name,
            whole_team=r.whole_team,
            person_id=r.person.external_id,
            person_name=names.get(r.person_id, "") if r.reviewed_at is None else "",
            reason=r.reason,
            requested_at=r.requested_at,
            requested_by=r.requested_by,
            reviewed_at=r.reviewed_at,
            reviewed_by=r.reviewed_by,
            outcome=r.review_outcome,
            note=r.review_note,
            overdue=is_overdue(r.requested_at, r.reviewed_at is not None, now),
            routed=routed_to(r.organisation.code, leads),
        )
        for r in rows
    )
    record_event(by=by, action="access.join_request_queue", detail={"shown": len(out)})
    _audit_names_shown(by, out, "care_team_join")
    return out


@dataclass(frozen=True)
class OverdueItem:
    kind: str  # "break_glass" or "care_team_join"
    item_id: int
    organisation_code: str
    routed: str
    started_at: datetime
    hours_waiting: int


def overdue_reviews(*, by: Actor) -> tuple[OverdueItem, ...]:
    """Every unreviewed break-glass grant and care-team join older than the review limit,
    oldest first (for `onestory access escalate`). Ids and organisation codes only; the
    listing is audited."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    now = timezone.now()
    cutoff = now - REVIEW_OVERDUE
    leads = organisations_with_privacy_lead()
    items = [
        OverdueItem(
            "break_glass",
            pk,
            code,
            routed_to(code, leads),
            at,
            int((now - at).total_seconds() // 3600),
        )
        for pk, code, at in BreakGlassGrant.objects.filter(
            reviewed_at__isnull=True, started_at__lte=cutoff
        ).values_list("pk", "staff__organisation__code", "started_at")
    ] + [
        OverdueItem(
            "care_team_join",
            pk,
            code,
            routed_to(code, leads),
            at,
            int((now - at).total_seconds() // 3600),
        )
        for pk, code, at in CareTeamJoinRequest.objects.filter(
            reviewed_at__isnull=True, requested_at__lte=cutoff
        ).values_list("pk", "organisation__code", "requested_at")
    ]
    items.sort(key=lambda i: (i.started_at, i.kind, i.item_id))
    with transaction.atomic():
        record_event(
            by=by,
            action="access.reviews_escalated",
            detail={
                "overdue": len(items),
                "break_glass": [i.item_id for i in items if i.kind == "break_glass"],
                "care_team_join": [i.item_id for i in items if i.kind == "care_team_join"],
            },
        )
    return tuple(items)


def grant_to_review(grant_id: int, *, by: Actor) -> BreakGlassGrant:
    """A break-glass grant in the reviewer's queue (the action checks the queue again)."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    grant = BreakGlassGrant.objects.filter(pk=grant_id).select_related("staff__organisation")
    grant = grant.first()
    leads = organisations_with_privacy_lead()
    if grant is None or not _in_my_queue(
        by, grant.staff.organisation.code, grant.started_at, False, leads, timezone.now()
    ):
        raise Http404("No such break-glass access to review.")
    return grant


def join_request_to_review(request_id: int, *, by: Actor) -> CareTeamJoinRequest:
    """A care-team join request in the reviewer's queue."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    request = CareTeamJoinRequest.objects.filter(pk=request_id).select_related("organisation")
    request = request.first()
    leads = organisations_with_privacy_lead()
    if request is None or not _in_my_queue(
        by, request.organisation.code, request.requested_at, False, leads, timezone.now()
    ):
        raise Http404("No such request to review.")
    return request


def own_join_request(request_id: int, *, by: Actor) -> CareTeamJoinRequest:
    """A care-team join request made by or for the actor (to show them it is waiting)."""
    try:
        return CareTeamJoinRequest.objects.select_related("organisation", "person").get(
            Q(staff__user_id=by.user_pk) | Q(requested_by=by.label),
            pk=request_id,
            organisation__code=by.organisation,
        )
    except CareTeamJoinRequest.DoesNotExist:
        raise Http404("No such request.") from None
