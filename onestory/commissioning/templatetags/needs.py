"""Filters for the needs page: a withheld figure reads "fewer than 8", never "0" or blank."""

from django import template

from onestory.commissioning.domain import suppression

register = template.Library()


@register.filter
def shown(value) -> str:
    """A count as shown: withheld (None) as "fewer than 8", else with thousands commas."""
    if value is None:
        return suppression.LABEL
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
