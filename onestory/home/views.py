"""Where each role starts, the partnership overview, the favicon and the API's front door.
Thin: the landing and menu rules are in `domain.menu`, the figures in `queries`."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from onestory.access.domain.roles import Permission, any_role_for
from onestory.access.policy import actor_for_user, has_permission
from onestory.home import queries
from onestory.home.domain.menu import landing_for
from onestory.home.domain.small_numbers import THRESHOLD
from onestory.record import views as record_views

_FAVICON = Path(__file__).resolve().parent.parent / "static" / "onestory" / "favicon.ico"


def landing_url_name(user) -> str:
    """The URL name of the user's landing page; PermissionDenied when their role has none."""
    url_name = landing_for(any_role_for(actor_for_user(user).role))
    if url_name is None:
        raise PermissionDenied("Your role has no pages in OneStory yet.")
    return url_name


@login_required
@require_GET
def home(request):
    """After signing in (and from the logo): the page made for the user's role."""
    return redirect(landing_url_name(request.user))


@login_required
@require_GET
def root(request):
    """`/` is the staff search for roles that search; everyone else goes to their own page."""
    if has_permission(actor_for_user(request.user), Permission.SEARCH_PEOPLE):
        return record_views.search(request)
    return redirect(landing_url_name(request.user))


@login_required
@require_GET
def overview(request):
    """Aggregate figures for commissioners and analysts: no person, small numbers hidden."""
    by = actor_for_user(request.user, "page")
    return render(
        request,
        "home/overview.html",
        {"overview": queries.partnership_overview(by=by), "threshold": THRESHOLD},
    )


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
