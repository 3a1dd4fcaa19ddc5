"""`{% caseload_card person_id %}`: the person's MDT care coordinator on their record page
(which has already checked access to the person)."""

from django import template
from django.http import Http404

from onestory.casework import queries

register = template.Library()


@register.inclusion_tag("casework/_caseload_card.html")
def caseload_card(person_id):
    try:
        person = queries.person_by_external_id(person_id)
    except Http404:
        return {"entry": None}
    return {"entry": queries.open_caseload_entry(person)}
