"""Writes to staff and person accounts: create a staff login, assign a role, disable an
account, reset a password, and create a person's own login. Each action is atomic and
records its audit event (never a password) in the same transaction. Re-exported by
`onestory.access.actions`."""

from django.contrib.auth import get_user_model, password_validation
from django.db import transaction

from onestory.access.domain.roles import ROLES, Permission, role_for
from onestory.access.models import ActingAs, Organisation, PersonAccount, StaffMember
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor


@transaction.atomic
def create_staff_member(
    *,
    username: str,
    password: str,
    organisation: Organisation,
    role: str,
    by: Actor,
    job_title: str = "",
    first_name: str = "",
    last_name: str = "",
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
    names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
    names_changed = [k for k, v in names.items() if getattr(user, k) != v]
    for k in names_changed:
        setattr(user, k, names[k])
    if created or password_changed or names_changed or not user.is_active:
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
    changed += [] if created else names_changed
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


def _other_staff(staff: StaffMember, by: Actor) -> StaffMember:
    require(by, Permission.ASSIGN_ROLES)
    staff = StaffMember.objects.select_related("user", "organisation").get(pk=staff.pk)
    if by.user_pk is not None and by.user_pk == staff.user_id:
        raise ValueError("You cannot do this to your own account; ask another administrator.")
    return staff


@transaction.atomic
def disable_staff_account(*, staff: StaffMember, by: Actor, enabled: bool = False) -> StaffMember:
    """An administrator disables a member of staff's sign-in (or, with `enabled`, turns it
    back on). Their history stays; they cannot sign in while disabled. Unchanged: nothing
    recorded."""
    staff = _other_staff(staff, by)
    user = staff.user
    if user.is_active == enabled:
        return staff
    user.is_active = enabled
    user.save(update_fields=["is_active"])
    record_event(
        by=by,
        action="access.enable_staff" if enabled else "access.disable_staff",
        detail={"user_id": user.pk, "username": user.get_username()},
    )
    return staff


@transaction.atomic
def reset_staff_password(*, staff: StaffMember, password: str, by: Actor) -> StaffMember:
    """An administrator sets a new password for a member of staff (to hand over in person)
    and clears their failed sign-ins, which unlocks a locked account. The audit event
    names the account, never the password."""
    from onestory.access.auth import username_hash
    from onestory.access.models import FailedLogin

    staff = _other_staff(staff, by)
    user = staff.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    cleared, _ = FailedLogin.objects.filter(
        username_hash=username_hash(user.get_username())
    ).delete()
    record_event(
        by=by,
        action="access.reset_password",
        detail={"user_id": user.pk, "username": user.get_username(), "failures_cleared": cleared},
    )
    return staff
