"""The single place that answers "may this actor do this?". Every query and action asks here,
so that widening or narrowing access (legitimate relationships, consent) changes one module."""

from django.core.exceptions import PermissionDenied

from onestory.access.domain.roles import Permission, role_for
from onestory.audit.domain.actor import Actor


def actor_for_user(user, channel: str = "page") -> Actor:
    """The audit identity of a logged-in user. Users without a staff profile act only as
    superusers (administrators) or not at all."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is not None:
        return Actor(
            id=f"user:{user.pk}",
            label=user.get_username(),
            role=staff.role,
            organisation=staff.organisation.code,
            channel=channel,
            user_pk=user.pk,
        )
    if user.is_authenticated and user.is_superuser:
        return Actor(
            id=f"user:{user.pk}",
            label=user.get_username(),
            role="administrator",
            channel=channel,
            user_pk=user.pk,
        )
    raise PermissionDenied("This account is not a member of staff in any organisation.")


def has_permission(actor: Actor, permission: Permission) -> bool:
    if actor.role == "system":
        return True
    try:
        return role_for(actor.role).has(permission)
    except ValueError:
        return False


def require(actor: Actor, permission: Permission) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(f"Your role does not allow: {permission.value.replace('_', ' ')}")


def can_view_person(actor: Actor, person_id) -> bool:
    """Foundation rule: any member of staff whose role may view records. The access issue
    narrows this to legitimate relationships and the person's own choices."""
    return has_permission(actor, Permission.VIEW_RECORD)
