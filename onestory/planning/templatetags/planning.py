"""The care-plan card on the record page."""

from django import template
from django.core.exceptions import PermissionDenied

from onestory.access.policy import actor_for_user
from onestory.planning.queries import plan_summary

register = template.Library()


@register.inclusion_tag("planning/_plan_card.html", takes_context=True)
def plan_card(context, person_id):
    """`{% plan_card record.person_id %}`: the plan's counts and a link, for those who may
    see the plan; nothing otherwise."""
    request = context.get("request")
    try:
        by = actor_for_user(request.user)
    except (PermissionDenied, AttributeError):
        return {"summary": None}
    return {"summary": plan_summary(person_id, by=by), "person_id": person_id}
