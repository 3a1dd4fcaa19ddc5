"""Lookups the access pages need to hand model instances to the actions in
`onestory.access.actions` (which check permission again), and the staff list for the
administrator's page. Each checks the policy first; none reads a person's record."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from onestory.access.domain.roles import ROLES, Permission
from onestory.access.models import (
    BreakGlassGrant,
    CareTeamMembership,
    Organisation,
    PersonAccount,
    StaffMember,
)
from onestory.access.policy import require
from onestory.audit.domain.actor import Actor
from onestory.people.models import Person


@dataclass(frozen=True)
class StaffRow:
    id: int
    username: str
    job_title: str
    role: str
    role_label: str
    organisation_code: str
    organisation_name: str


def staff_list(*, by: Actor) -> tuple[StaffRow, ...]:
    """Every member of staff, by organisation then username (administrators only)."""
    require(by, Permission.ASSIGN_ROLES)
    rows = StaffMember.objects.select_related("user", "organisation").order_by(
        "organisation__name", "user__username"
    )
    return tuple(
        StaffRow(
            id=s.pk,
            username=s.user.get_username(),
            job_title=s.job_title,
            role=s.role,
            role_label=ROLES[s.role].label if s.role in ROLES else s.role,
            organisation_code=s.organisation.code,
            organisation_name=s.organisation.name,
        )
        for s in rows
    )


def organisations(*, by: Actor) -> tuple[Organisation, ...]:
    require(by, Permission.ASSIGN_ROLES)
    return tuple(Organisation.objects.order_by("name"))


def organisation(code: str, *, by: Actor) -> Organisation:
    require(by, Permission.ASSIGN_ROLES)
    try:
        return Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise ValueError("Choose an organisation from the list.") from None


def staff_member(staff_id: int, *, by: Actor) -> StaffMember:
    require(by, Permission.ASSIGN_ROLES)
    try:
        return StaffMember.objects.select_related("user", "organisation").get(pk=staff_id)
    except StaffMember.DoesNotExist:
        raise Http404("No such member of staff.") from None


def grant_to_review(grant_id: int, *, by: Actor) -> BreakGlassGrant:
    """A break-glass grant by staff of the reviewer's own organisation."""
    require(by, Permission.REVIEW_BREAK_GLASS)
    try:
        return BreakGlassGrant.objects.get(pk=grant_id, staff__organisation__code=by.organisation)
    except BreakGlassGrant.DoesNotExist:
        raise Http404("No such break-glass access to review.") from None


def own_membership(membership_id: int, *, by: Actor) -> CareTeamMembership:
    """An active care-team membership of the actor, or of the actor's organisation."""
    try:
        return CareTeamMembership.objects.select_related("person", "organisation").get(
            pk=membership_id, organisation__code=by.organisation, ended_at__isnull=True
        )
    except CareTeamMembership.DoesNotExist:
        raise Http404("No such care-team membership.") from None


def person_by_external_id(external_id) -> Person:
    """The person with this id (no personal data: the id and a key), or 404."""
    try:
        return Person.objects.get(external_id=external_id)
    except (Person.DoesNotExist, ValueError):
        raise Http404("No such person.") from None


def person_for_account(user) -> Person:
    """The person a signed-in person account (or representative) acts for."""
    try:
        return PersonAccount.objects.select_related("person").get(user_id=user.pk).person
    except PersonAccount.DoesNotExist:
        raise PermissionDenied("This account is not linked to a person's record.") from None


def break_glass_expiry(person: Person, *, by: Actor):
    """When the actor's current break-glass access to the person ends, or None."""
    from django.utils import timezone

    return (
        BreakGlassGrant.objects.filter(
            person=person, staff__user_id=by.user_pk, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def holding_organisation(code: str) -> Organisation:
    """An organisation by code, for the person's sharing choices (the action checks that
    the actor speaks for the person)."""
    try:
        return Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None
