"""Template helpers for the Better Care Fund plan: money as pounds, percentages, labels."""

from django import template

from onestory.bcf.domain import plan

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """£1,234.56; "Not recorded" for a quarter with no actual spend yet."""
    if pence is None or pence == "":
        return "Not recorded"
    return plan.pounds(int(pence))


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):+.1f}%"


@register.filter
def label(key: str, mapping: str) -> str:
    """`value|label:"SCHEME_TYPES"`: the planning template's label for a code."""
    return getattr(plan, mapping).get(key, key)


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
