"""Template helpers shared by OneStory pages."""

from datetime import date, datetime, time

from django import template
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import actor_for_user, has_permission
from onestory.people.domain.nhs_number import format_nhs_number
from onestory.record.domain import dates

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


def _local(value):
    """Aware datetimes in the site's zone (Europe/London); dates as they are."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def nhs_date(value) -> str:
    """`{{ d|nhs_date }}`: 2 May 2026 (a datetime shows its local date)."""
    if not isinstance(value, date):
        return ""
    return dates.nhs_date(_local(value))


@register.filter
def nhs_datetime(value) -> str:
    """`{{ dt|nhs_datetime }}`: 2 May 2026 at 3:15pm, in UK time; a date alone as nhs_date."""
    if isinstance(value, datetime):
        return dates.nhs_datetime(_local(value))
    return nhs_date(value)


@register.filter
def nhs_time(value) -> str:
    """`{{ dt|nhs_time }}`: 3:15pm, midday."""
    if not isinstance(value, datetime | time):
        return ""
    return dates.nhs_time(_local(value))


@register.filter
def nhs_month(value) -> str:
    """`{{ d|nhs_month }}`: May 2026."""
    if not isinstance(value, date):
        return ""
    return dates.nhs_month(_local(value))


@register.filter
def date_parts(data, name: str) -> dict[str, str]:
    """`values|date_parts:"dob"`: the day, month and year boxes as submitted, for the date
    input partial. `data` is a QueryDict or dict holding `<name>-day` …"""
    from onestory.forms import date_parts as parts

    if data is None:
        return {"day": "", "month": "", "year": ""}
    return parts(data, name)


@register.filter
def plain_units(text) -> str:
    """`{{ e.title|plain_units }}`: "Systolic blood pressure: 108 mm[Hg]" → "… 108 mmHg"."""
    from onestory.record.domain.clinical import plain_units as words

    return words(str(text or ""))


@register.filter
def clinical_title(text) -> str:
    """`{{ e.title|clinical_title }}`: the clinical words without SNOMED's tags, units in words."""
    from onestory.record.domain.clinical import clinical_title as words

    return words(str(text or ""))


@register.filter
def plain_title(item) -> str:
    """`{{ item|plain_title }}`: a timeline entry's title in plain words and units."""
    from onestory.record.domain.clinical import plain_title as words

    return words(
        str(getattr(item, "title", "") or ""),
        str(getattr(item, "code", "") or ""),
        str(getattr(item, "code_display", "") or ""),
    )


@register.filter
def plain_term(code, display="") -> str:
    """`{{ e.code|plain_term:e.code_display }}`: the plain-English words for a code."""
    from onestory.record.domain.clinical import plain_term as words

    return words(str(code or ""), str(display or ""))


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
