"""Filters for the needs page: a withheld figure reads "not shown", never "0" or blank. The
page cannot tell a count of 1 to 7 from a larger one hidden so that a total cannot give it
away, so it says neither "fewer than 8" (which would be wrong for the second) nor a number."""

from django import template

register = template.Library()
HIDDEN = "not shown"


@register.filter
def shown(value) -> str:
    """A count as shown: withheld (None) as "not shown", else with thousands commas."""
    if value is None:
        return HIDDEN
    return f"{value:,}"


@register.filter
def money(value) -> str:
    """Pounds as shown: withheld as "withheld", no people to divide by as "—"."""
    if value is None:
        return "withheld"
    return f"£{value:,.0f}" if float(value) >= 100 else f"£{value:,.2f}"


@register.filter
def get(mapping: dict, key):
    return mapping.get(key)
