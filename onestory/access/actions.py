"""Writes to organisations, staff, care teams, break-glass grants and the person's choices.
Each action is atomic and records its audit event in the same transaction. The organisation
and staff actions are get-or-update on their natural key (organisation code, username), so
running them twice with the same arguments changes nothing and records nothing the second
time."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access.accounts import (  # noqa: F401 (account actions, re-exported)
    assign_role,
    create_person_account,
    create_staff_member,
    disable_staff_account,
    reset_staff_password,
)
from onestory.access.domain.review import is_overdue, may_review
from onestory.access.domain.roles import Permission, role_for
from onestory.access.models import (
    BreakGlassGrant,
    CareTeamBasis,
    CareTeamJoinRequest,
    CareTeamMembership,
    Decision,
    JoinOutcome,
    Organisation,
    OrganisationKind,
    ReviewOutcome,
    SecondaryUseOptOut,
    SetByKind,
    SharingChoice,
    StaffMember,
)
from onestory.access.policy import (
    _in_care_team,
    _with_open_episode,
    decide,
    has_permission,
    outside_partnership,
    require,
)
from onestory.access.review_queries import organisations_with_privacy_lead
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.audit.domain.redact import mask_personal_details, reason_problem
from onestory.places.models import Partnership
from onestory.sources.domain.facts import CATEGORIES, SENSITIVE_CATEGORIES

MIN_BREAK_GLASS_REASON = 10


@transaction.atomic
def create_organisation(
    *, code: str, name: str, kind: str, by: Actor, partnership=None
) -> Organisation:
    """Create the organisation with this code, or bring its name and kind up to date. It
    works for `partnership` (a places.Partnership) when given; a new one otherwise for the
    installation's partnership when there is exactly one (ADR 0026)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValueError("an organisation needs a code and a name")
    if kind not in OrganisationKind.values:
        raise ValueError(
            f"unknown organisation kind {kind!r}; known kinds: {', '.join(OrganisationKind.values)}"
        )
    org = Organisation.objects.select_for_update().filter(code=code).first()
    created = org is None
    if created:
        if partnership is None:
            only = list(Partnership.objects.all()[:2])
            partnership = only[0] if len(only) == 1 else None
        org = Organisation.objects.create(code=code, name=name, kind=kind, partnership=partnership)
        changed = ["code", "name", "kind"]
    else:
        wanted = {"name": name, "kind": kind}
        if partnership is not None:
            wanted["partnership"] = partnership
        changed = [f for f, value in wanted.items() if getattr(org, f) != value]
        if changed:
            for f in changed:
                setattr(org, f, wanted[f])
            org.save(update_fields=changed)
    if created or changed:
        record_event(
            by=by,
            action="access.create_organisation",
            detail={
                "code": code,
                "kind": kind,
                "partnership": org.partnership.code if org.partnership_id else "",
                "created": created,
                "changed": changed,
            },
        )
    return org


# ---------------------------------------------------------------------------- care teams


def _refused(person, organisation: Organisation) -> bool:
    return SharingChoice.objects.filter(
        person=person, organisation=organisation, category="", decision=Decision.REFUSE
    ).exists()


def _acts_for(by: Actor, staff: StaffMember) -> bool:
    """Staff act for themselves; the system and a colleague in the same organisation with
    the same permission may act for them (a team leader adding a worker)."""
    return (
        by.role == "system"
        or by.user_pk == staff.user_id
        or by.organisation == (staff.organisation.code)
    )


def _checked_reason(reason: str, by: Actor, what: str = "the reason") -> str:
    """A free-text reason that is kept and audited: refused from pages and the API when it
    holds an NHS number, a date or a postcode; masked when it comes from the command line
    or the system (which cannot be asked again)."""
    reason = (reason or "").strip()
    problem = reason_problem(reason, what)
    if problem and by.channel in ("page", "api"):
        raise ValueError(problem)
    return mask_personal_details(reason)


def join_basis(person, staff: StaffMember, by: Actor) -> str:
    """The basis the system can check for `staff` joining the person's care team, or ""
    when there is none (the join then waits for a privacy lead's review):
    - the system operator (demo, imports);
    - a registration, referral or open episode at the staff member's organisation;
    - an allocation: a team lead (LEAD_MDT) of the organisation, or someone already in the
      care team with a relationship, adding a colleague."""
    if by.role == "system":
        return CareTeamBasis.SYSTEM
    organisation_actor = Actor(
        id="system:join-basis", label="join-basis", organisation=staff.organisation.code
    )
    if _with_open_episode(organisation_actor, [person.pk]):
        return CareTeamBasis.EPISODE
    if by.user_pk is not None and by.user_pk != staff.user_id:
        if has_permission(by, Permission.LEAD_MDT):
            return CareTeamBasis.ALLOCATION
        if by.user_pk is not None and _in_care_team(by, [person.pk]):
            return CareTeamBasis.ALLOCATION
    return ""


@transaction.atomic
def join_care_team(
    *, person, staff: StaffMember, reason: str, by: Actor, whole_team: bool = False
) -> "CareTeamMembership | CareTeamJoinRequest":
    """Put `staff` (or, with `whole_team`, their whole organisation) in the person's care
    team, for a stated reason, when the system can check a basis (see `join_basis`).
    Without one, the join is recorded as a pending request for the privacy lead's review
    queue and grants no access until approved (the request is returned). Already a member
    (or already waiting): the existing membership or request, nothing recorded. Refused
    when the person refused sharing with the organisation."""
    require(by, Permission.JOIN_CARE_TEAM)
    if not role_for(staff.role).has(Permission.JOIN_CARE_TEAM):
        raise PermissionDenied("This role does not join care teams.")
    if not _acts_for(by, staff):
        raise PermissionDenied("You may add only yourself or your own organisation's staff.")
    reason = _checked_reason(reason, by)
    if not reason:
        raise ValueError("Give a reason for joining the care team.")
    organisation = staff.organisation
    if _refused(person, organisation):
        raise PermissionDenied("You do not have access to this person's record.")
    member = None if whole_team else staff
    existing = CareTeamMembership.objects.filter(
        person=person, organisation=organisation, staff=member, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    basis = join_basis(person, staff, by)
    if basis not in (CareTeamBasis.SYSTEM, CareTeamBasis.EPISODE) and _across_boundary(
        person, staff, by
    ):
        raise PermissionDenied(OTHER_PARTNERSHIP_MESSAGE)
    if not basis:
        return _request_join(person, staff, reason, by, whole_team=whole_team)
    return _add_member(person, staff, reason, by, whole_team=whole_team, basis=basis)


OTHER_PARTNERSHIP_MESSAGE = (
    "This person's care is with another partnership: you can join their care team only "
    "through a referral or episode at your organisation, or when a member of their care "
    "team adds you."
)


def _staff_actor(staff: StaffMember) -> Actor:
    return Actor(
        id=f"user:{staff.user_id}",
        label="staff",
        role=staff.role,
        organisation=staff.organisation.code,
        user_pk=staff.user_id,
    )


def _across_boundary(person, staff: StaffMember, by: Actor) -> bool:
    """True when the person belongs to another partnership than `staff`'s and nothing but a
    team lead's say-so or a pending request would put `staff` in their care team (ADR
    0026): a care-team member allocating a colleague is care across the boundary."""
    if not outside_partnership(_staff_actor(staff), person):
        return False
    allocating = by.user_pk is not None and by.user_pk != staff.user_id
    return not (allocating and _in_care_team(by, [person.pk]))


def _add_member(person, staff, reason, by, *, whole_team, basis, request_id=None):
    member = None if whole_team else staff
    membership = CareTeamMembership.objects.create(
        person=person,
        organisation=staff.organisation,
        staff=member,
        reason=reason[:300],
        started_at=timezone.now(),
        started_by=by.label,
        basis=basis,
    )
    detail = {
        "membership_id": membership.pk,
        "organisation": staff.organisation.code,
        "staff": staff.user.get_username() if member else "",
        "whole_team": whole_team,
        "basis": basis,
    }
    if request_id is not None:
        detail["request_id"] = request_id
    record_event(
        by=by,
        action="access.join_care_team",
        person_id=str(person.external_id),
        purpose=reason,
        detail=detail,
    )
    return membership


def _request_join(person, staff, reason, by, *, whole_team) -> CareTeamJoinRequest:
    waiting = CareTeamJoinRequest.objects.filter(
        person=person, staff=staff, whole_team=whole_team, reviewed_at__isnull=True
    ).first()
    if waiting is not None:
        return waiting
    request = CareTeamJoinRequest.objects.create(
        person=person,
        organisation=staff.organisation,
        staff=staff,
        whole_team=whole_team,
        reason=reason[:300],
        requested_at=timezone.now(),
        requested_by=by.label,
    )
    record_event(
        by=by,
        action="access.join_care_team_requested",
        person_id=str(person.external_id),
        purpose=reason,
        detail={
            "request_id": request.pk,
            "organisation": staff.organisation.code,
            "staff": staff.user.get_username(),
            "whole_team": whole_team,
        },
    )
    return request


def _check_reviewer(by: Actor, organisation_code: str, started_at) -> None:
    """Only a privacy lead whose queue the item is in (see access.domain.review)."""
    if by.role == "system":
        return
    overdue = is_overdue(started_at, False, timezone.now())
    if not may_review(
        by.organisation, organisation_code, organisations_with_privacy_lead(), overdue=overdue
    ):
        raise PermissionDenied("This is in the queue of that organisation's privacy lead.")


@transaction.atomic
def review_join_request(
    *, request: CareTeamJoinRequest, outcome: str, note: str, by: Actor
) -> CareTeamJoinRequest:
    """A privacy lead approves (the member joins the care team, basis "reviewed") or
    refuses a pending care-team join. Each request is reviewed once."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    request = (
        CareTeamJoinRequest.objects.select_for_update()
        .select_related("staff__organisation", "staff__user", "person")
        .get(pk=request.pk)
    )
    _check_reviewer(by, request.organisation.code, request.requested_at)
    if outcome not in (JoinOutcome.APPROVED, JoinOutcome.REFUSED):
        raise ValueError("The outcome is 'approved' or 'refused'.")
    if request.reviewed_at is not None:
        raise ValueError("This request to join the care team has already been reviewed.")
    note = _checked_reason(note, by, "the note")
    if outcome == JoinOutcome.APPROVED:
        if _refused(request.person, request.organisation):
            raise PermissionDenied("The person has refused sharing with that organisation.")
        request.membership = _add_member(
            request.person,
            request.staff,
            request.reason,
            by,
            whole_team=request.whole_team,
            basis=CareTeamBasis.REVIEWED,
            request_id=request.pk,
        )
    request.reviewed_at = timezone.now()
    request.reviewed_by = by.label
    request.review_outcome = outcome
    request.review_note = note
    request.save(
        update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note", "membership"]
    )
    record_event(
        by=by,
        action="access.review_join_request",
        person_id=str(request.person.external_id),
        detail={"request_id": request.pk, "outcome": outcome, "staff": request.staff.user_id},
    )
    return request


@transaction.atomic
def leave_care_team(*, membership: CareTeamMembership, by: Actor) -> CareTeamMembership:
    """End a care-team membership (the member, or someone in the same organisation).
    Already ended: unchanged, nothing recorded."""
    membership = CareTeamMembership.objects.select_for_update().get(pk=membership.pk)
    own = membership.staff is not None and membership.staff.user_id == by.user_pk
    if not (by.role == "system" or own or by.organisation == membership.organisation.code):
        raise PermissionDenied("Only the member or their organisation may end this membership.")
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    membership.ended_by = by.label
    membership.save(update_fields=["ended_at", "ended_by"])
    record_event(
        by=by,
        action="access.leave_care_team",
        person_id=str(membership.person.external_id),
        detail={"membership_id": membership.pk, "organisation": membership.organisation.code},
    )
    return membership


# ---------------------------------------------------------------------------- break-glass


@transaction.atomic
def break_glass(*, person, staff: StaffMember, reason: str, by: Actor) -> BreakGlassGrant:
    """Time-limited emergency access (ONESTORY_BREAK_GLASS_HOURS) for a stated reason of at
    least ten characters, queued for review by the privacy lead of the staff member's
    organisation (or, when it has none, any privacy lead). Refused when the person refused
    sharing with that organisation."""
    require(by, Permission.BREAK_GLASS)
    if not role_for(staff.role).has(Permission.BREAK_GLASS):
        raise PermissionDenied("This role may not break glass.")
    if by.role != "system" and by.user_pk != staff.user_id:
        raise PermissionDenied("Only the member of staff themself may break glass.")
    reason = _checked_reason(reason, by)
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise ValueError(
            f"Give the reason for emergency access in at least {MIN_BREAK_GLASS_REASON} characters."
        )
    if _refused(person, staff.organisation):
        raise PermissionDenied("You do not have access to this person's record.")
    if by.role != "system" and outside_partnership(_staff_actor(staff), person):
        # Emergency access stays within the partnership (ADR 0026); the same message as
        # any other refusal, so that it says nothing about the person.
        raise PermissionDenied("You do not have access to this person's record.")
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        staff=staff,
        person=person,
        reason=reason[:500],
        started_at=now,
        expires_at=now + timedelta(hours=settings.ONESTORY_BREAK_GLASS_HOURS),
    )
    record_event(
        by=by,
        action="access.break_glass",
        person_id=str(person.external_id),
        purpose=reason,
        detail={
            "grant_id": grant.pk,
            "organisation": staff.organisation.code,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    return grant


@transaction.atomic
def review_break_glass(
    *, grant: BreakGlassGrant, outcome: str, note: str, by: Actor
) -> BreakGlassGrant:
    """A privacy lead whose queue the grant is in (its organisation's, else any, see
    access.domain.review) records whether the emergency access was appropriate. Each grant
    is reviewed once."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    grant = (
        BreakGlassGrant.objects.select_for_update()
        .select_related("staff__organisation", "person")
        .get(pk=grant.pk)
    )
    _check_reviewer(by, grant.staff.organisation.code, grant.started_at)
    if outcome not in (ReviewOutcome.APPROPRIATE, ReviewOutcome.INAPPROPRIATE):
        raise ValueError("The outcome is 'appropriate' or 'inappropriate'.")
    if grant.reviewed_at is not None:
        raise ValueError("This break-glass access has already been reviewed.")
    note = _checked_reason(note, by, "the note")
    grant.reviewed_at = timezone.now()
    grant.reviewed_by = by.label
    grant.review_outcome = outcome
    grant.review_note = note
    grant.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
    record_event(
        by=by,
        action="access.review_break_glass",
        person_id=str(grant.person.external_id),
        detail={"grant_id": grant.pk, "outcome": outcome, "staff": grant.staff.user_id},
    )
    return grant


# ---------------------------------------------------------------------------- choices


def _speaks_for(by: Actor, person) -> str:
    """The SetByKind of an actor allowed to record the person's choices: the person, their
    representative, or staff with a legitimate relationship acting on their instruction."""
    if by.role == "system":
        return SetByKind.STAFF
    decision = decide(by, person)
    if decision.allowed and decision.basis == "own_record":
        return SetByKind.SELF
    if decision.allowed and decision.basis == "representative":
        return SetByKind.REPRESENTATIVE
    if decision.allowed and has_permission(by, Permission.VIEW_RECORD):
        return SetByKind.STAFF
    raise PermissionDenied("You may not record choices for this person.")


@transaction.atomic
def set_sharing_choice(
    *,
    person,
    organisation: Organisation | None = None,
    category: str = "",
    decision: str,
    by: Actor,
) -> SharingChoice:
    """Allow or refuse sharing: with one organisation (no category), of one sensitive
    category with everyone (no organisation), or of one category with one organisation.
    Setting the same choice again records nothing."""
    if decision not in Decision.values:
        raise ValueError("The decision is 'allow' or 'refuse'.")
    category = (category or "").strip()
    if organisation is None and not category:
        raise ValueError("Name an organisation, a category, or both.")
    if category and category not in CATEGORIES:
        raise ValueError(f"unknown data category {category!r}")
    if category and organisation is None and category not in SENSITIVE_CATEGORIES:
        raise ValueError(
            "Only sensitive categories (mental health, sexual health, safeguarding) can be "
            "refused for everyone."
        )
    kind = _speaks_for(by, person)
    choice = (
        SharingChoice.objects.select_for_update()
        .filter(person=person, organisation=organisation, category=category)
        .first()
    )
    if choice is not None and choice.decision == decision:
        return choice
    previous = choice.decision if choice is not None else ""
    if choice is None:
        choice = SharingChoice(person=person, organisation=organisation, category=category)
    choice.decision = decision
    choice.set_at = timezone.now()
    choice.set_by = by.label
    choice.set_by_kind = kind
    choice.save()
    record_event(
        by=by,
        action="access.sharing_choice",
        person_id=str(person.external_id),
        detail={
            "organisation": organisation.code if organisation else "",
            "category": category,
            "decision": decision,
            "previous": previous,
        },
    )
    return choice


@transaction.atomic
def set_secondary_use_opt_out(*, person, opted_out: bool, by: Actor) -> bool:
    """Record (or withdraw) the person's opt-out from secondary use of their data
    (analytics and evaluation). Returns whether they are now opted out."""
    _speaks_for(by, person)
    existing = SecondaryUseOptOut.objects.filter(person=person).first()
    if opted_out == (existing is not None):
        return opted_out
    if opted_out:
        SecondaryUseOptOut.objects.create(
            person=person, opted_out_at=timezone.now(), set_by=by.label
        )
    else:
        # A withdrawn opt-out is removed; the audit log keeps the history.
        SecondaryUseOptOut.objects.filter(pk=existing.pk).delete()
    record_event(
        by=by,
        action="access.secondary_use_opt_out",
        person_id=str(person.external_id),
        detail={"opted_out": opted_out},
    )
    return opted_out
