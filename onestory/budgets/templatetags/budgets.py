from django import template

from onestory.budgets.domain.money import format_pounds, pence_to_pounds

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Integer pence as £1,234.56."""
    return "" if pence is None or pence == "" else format_pounds(int(pence))


@register.filter
def pounds_plain(pence) -> str:
    """Integer pence as 1234.56, for form inputs."""
    return "" if pence is None or pence == "" else str(pence_to_pounds(int(pence)))
