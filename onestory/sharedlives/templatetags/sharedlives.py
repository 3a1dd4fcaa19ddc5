from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def absolute(value):
    return abs(int(value))


@register.filter
def runs_shared_lives(user) -> bool:
    """Whether the signed-in user's role may run a Shared Lives scheme (for links only; the
    pages check again)."""
    from django.core.exceptions import PermissionDenied

    from onestory.access.domain.roles import Permission
    from onestory.access.policy import actor_for_user, has_permission

    try:
        return has_permission(actor_for_user(user), Permission.MANAGE_SHARED_LIVES)
    except PermissionDenied:
        return False
