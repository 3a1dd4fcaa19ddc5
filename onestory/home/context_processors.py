"""`menu`: the links the signed-in user's role may use, in order, each with its URL and
whether it is the current page (the pages themselves check again)."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from onestory.access.domain.roles import any_role_for
from onestory.access.policy import actor_for_user
from onestory.home.domain.menu import menu_for


def menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    try:
        role = any_role_for(actor_for_user(user).role)
    except PermissionDenied:  # signed in but neither staff nor a person: no links
        return {"menu": []}
    items = []
    for entry in menu_for(role):
        url = reverse(entry.url_name)
        items.append({"url": url, "label": entry.label, "current": request.path == url})
    return {"menu": items}
