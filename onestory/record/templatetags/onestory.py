"""Template helpers shared by OneStory pages."""

from django import template
from django.core.exceptions import PermissionDenied

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.people.domain.nhs_number import format_nhs_number

register = template.Library()


@register.filter
def may(user, permission: str) -> bool:
    """`{% if user|may:"view_import_problems" %}`: whether to offer a link at all (the page
    itself checks again)."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return has_permission(actor_for_user(user), Permission(permission))
    except PermissionDenied:  # a user with no staff profile may do nothing
        return False


@register.filter
def nhs_format(value: str) -> str:
    return format_nhs_number(value or "")


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# One colour per kind of source system, so the eye can follow a service down the timeline.
_SOURCE_COLOURS = {
    "gp": "blue",
    "acute": "red",
    "mental_health": "purple",
    "community": "aqua-green",
    "adult_social_care": "orange",
    "childrens_services": "pink",
    "housing": "green",
    "voluntary": "yellow",
}


@register.filter
def source_colour(kind: str) -> str:
    return _SOURCE_COLOURS.get(kind, "grey")


@register.filter
def humanise_key(key: str) -> str:
    """ "planned_hours_per_week" → "Planned hours per week"."""
    return str(key).replace("_", " ").strip().capitalize()


@register.filter
def withheld_sentence(notes) -> str:
    """ "Not shown to you: finance (your role does not see it); mental health (the person
    chose not to share it)." for a card's withheld categories, or "" when none."""
    role = [n.label.lower() for n in notes if n.reason == "role"]
    chosen = [n.label.lower() for n in notes if n.reason != "role"]
    parts = []
    if chosen:
        parts.append(f"{', '.join(chosen)} (the person chose not to share this with you)")
    if role:
        parts.append(f"{', '.join(role)} (your role does not see this)")
    if not parts:
        return ""
    return "Some information may not be shown to you here: " + "; ".join(parts) + "."
