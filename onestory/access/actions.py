"""Writes to organisations, staff, care teams, break-glass grants and the person's choices.
Each action is atomic and records its audit event in the same transaction. The organisation
and staff actions are get-or-update on their natural key (organisation code, username), so
running them twice with the same arguments changes nothing and records nothing the second
time."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import ROLES, Permission, role_for
from onestory.access.models import (
    ActingAs,
    BreakGlassGrant,
    CareTeamMembership,
    Decision,
    Organisation,
    OrganisationKind,
    PersonAccount,
    ReviewOutcome,
    SecondaryUseOptOut,
    SetByKind,
    SharingChoice,
    StaffMember,
)
from onestory.access.policy import decide, has_permission, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.sources.domain.facts import CATEGORIES, SENSITIVE_CATEGORIES

MIN_BREAK_GLASS_REASON = 10


@transaction.atomic
def create_organisation(*, code: str, name: str, kind: str, by: Actor) -> Organisation:
    """Create the organisation with this code, or bring its name and kind up to date."""
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
        org = Organisation.objects.create(code=code, name=name, kind=kind)
        changed = ["code", "name", "kind"]
    else:
        changed = [f for f, value in (("name", name), ("kind", kind)) if getattr(org, f) != value]
        if changed:
            for f in changed:
                setattr(org, f, {"name": name, "kind": kind}[f])
            org.save(update_fields=changed)
    if created or changed:
        record_event(
            by=by,
            action="access.create_organisation",
            detail={"code": code, "kind": kind, "created": created, "changed": changed},
        )
    return org


@transaction.atomic
def create_staff_member(
    *,
    username: str,
    password: str,
    organisation: Organisation,
    role: str,
    by: Actor,
    job_title: str = "",
) -> StaffMember:
    """Create a login for a member of staff in one organisation with one role, or bring an
    existing one up to date (password, organisation, role, job title). The audit event names
    the user, organisation and role and whether the password changed, never the password."""
    role_for(role)  # raises ValueError for an unknown role
    username = username.strip()
    if not username:
        raise ValueError("a member of staff needs a username")
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, is_active=True)
    password_validation.validate_password(password, user)
    password_changed = created or not user.check_password(password)
    if password_changed:
        user.set_password(password)
    if created or password_changed or not user.is_active:
        user.is_active = True
        user.save()

    staff = StaffMember.objects.select_for_update().filter(user=user).first()
    wanted = {"organisation": organisation, "role": role, "job_title": job_title}
    if staff is None:
        staff = StaffMember.objects.create(user=user, **wanted)
        changed = list(wanted)
    else:
        changed = [f for f, value in wanted.items() if getattr(staff, f) != value]
        if changed:
            for f in changed:
                setattr(staff, f, wanted[f])
            staff.save(update_fields=changed)
    if created or password_changed or changed:
        record_event(
            by=by,
            action="access.create_staff",
            detail={
                "username": username,
                "user_id": user.pk,
                "organisation": organisation.code,
                "role": role,
                "created": created,
                "changed": changed,
                "password_changed": password_changed,
            },
        )
    return staff


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


@transaction.atomic
def join_care_team(
    *, person, staff: StaffMember, reason: str, by: Actor, whole_team: bool = False
) -> CareTeamMembership:
    """Put `staff` (or, with `whole_team`, their whole organisation) in the person's care
    team, for a stated reason. Already a member: the existing membership, nothing recorded.
    Refused when the person refused sharing with the organisation."""
    require(by, Permission.JOIN_CARE_TEAM)
    if not role_for(staff.role).has(Permission.JOIN_CARE_TEAM):
        raise PermissionDenied("This role does not join care teams.")
    if not _acts_for(by, staff):
        raise PermissionDenied("You may add only yourself or your own organisation's staff.")
    reason = (reason or "").strip()
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
    membership = CareTeamMembership.objects.create(
        person=person,
        organisation=organisation,
        staff=member,
        reason=reason[:300],
        started_at=timezone.now(),
        started_by=by.label,
    )
    record_event(
        by=by,
        action="access.join_care_team",
        person_id=str(person.external_id),
        purpose=reason,
        detail={
            "membership_id": membership.pk,
            "organisation": organisation.code,
            "staff": staff.user.get_username() if member else "",
            "whole_team": whole_team,
        },
    )
    return membership


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
    organisation. Refused when the person refused sharing with that organisation."""
    require(by, Permission.BREAK_GLASS)
    if not role_for(staff.role).has(Permission.BREAK_GLASS):
        raise PermissionDenied("This role may not break glass.")
    if by.role != "system" and by.user_pk != staff.user_id:
        raise PermissionDenied("Only the member of staff themself may break glass.")
    reason = (reason or "").strip()
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise ValueError(
            f"Give the reason for emergency access in at least {MIN_BREAK_GLASS_REASON} characters."
        )
    if _refused(person, staff.organisation):
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
    """The privacy lead of the grant's organisation records whether the emergency access
    was appropriate. Each grant is reviewed once."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    grant = (
        BreakGlassGrant.objects.select_for_update()
        .select_related("staff__organisation", "person")
        .get(pk=grant.pk)
    )
    if by.role != "system" and by.organisation != grant.staff.organisation.code:
        raise PermissionDenied("Only the privacy lead of that organisation may review this.")
    if outcome not in (ReviewOutcome.APPROPRIATE, ReviewOutcome.INAPPROPRIATE):
        raise ValueError("The outcome is 'appropriate' or 'inappropriate'.")
    if grant.reviewed_at is not None:
        raise ValueError("This break-glass access has already been reviewed.")
    grant.reviewed_at = timezone.now()
    grant.reviewed_by = by.label
    grant.review_outcome = outcome
    grant.review_note = (note or "").strip()
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


# ---------------------------------------------------------------------------- accounts


@transaction.atomic
def assign_role(
    *, staff: StaffMember, role: str, organisation: Organisation, by: Actor
) -> StaffMember:
    """An administrator gives a member of staff a role in an organisation."""
    require(by, Permission.ASSIGN_ROLES)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(ROLES)}")
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    before = {"role": staff.role, "organisation": staff.organisation.code}
    if before == {"role": role, "organisation": organisation.code}:
        return staff
    staff.role = role
    staff.organisation = organisation
    staff.save(update_fields=["role", "organisation"])
    record_event(
        by=by,
        action="access.assign_role",
        detail={
            "user_id": staff.user_id,
            "username": staff.user.get_username(),
            "role": role,
            "organisation": organisation.code,
            "previous": before,
        },
    )
    return staff


@transaction.atomic
def create_person_account(
    *,
    person,
    username: str,
    password: str,
    acting_as: str = ActingAs.SELF,
    by: Actor,
    representative_name: str = "",
) -> PersonAccount:
    """A person-facing login for the person, or for the representative they chose (named).
    Only an administrator or the system creates these; the same username again updates
    the password and who it acts as."""
    if by.role != "system":
        require(by, Permission.ASSIGN_ROLES)
    if acting_as not in ActingAs.values:
        raise ValueError("acting_as is 'self' or 'representative'.")
    representative_name = representative_name.strip() if acting_as != ActingAs.SELF else ""
    if acting_as == ActingAs.REPRESENTATIVE and not representative_name:
        raise ValueError("Name the representative.")
    username = username.strip()
    if not username:
        raise ValueError("a person account needs a username")
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, is_active=True)
    elif hasattr(user, "staff"):
        raise ValueError("That username belongs to a member of staff.")
    password_validation.validate_password(password, user)
    password_changed = created or not user.check_password(password)
    if password_changed:
        user.set_password(password)
        user.save()
    wanted = {"person": person, "acting_as": acting_as, "representative_name": representative_name}
    account = PersonAccount.objects.filter(user=user).first()
    changed = list(wanted)
    if account is None:
        account = PersonAccount.objects.create(user=user, **wanted)
    else:
        changed = [k for k, v in wanted.items() if getattr(account, k) != v]
        for k in changed:
            setattr(account, k, wanted[k])
        if changed:
            account.save(update_fields=changed)
    if created or password_changed or changed:
        record_event(
            by=by,
            action="access.create_person_account",
            person_id=str(person.external_id),
            detail={
                "user_id": user.pk,
                "acting_as": acting_as,
                "created": created,
                "changed": changed,
                "password_changed": password_changed,
            },
        )
    return account
