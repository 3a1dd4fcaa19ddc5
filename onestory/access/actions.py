"""Writes to organisations and staff. Each action is atomic and records its audit event in the
same transaction; each is get-or-update on its natural key (organisation code, username), so
running it twice with the same arguments changes nothing and records nothing the second time."""

from django.contrib.auth import get_user_model, password_validation
from django.db import transaction

from onestory.access.domain.roles import role_for
from onestory.access.models import Organisation, OrganisationKind, StaffMember
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor


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
