"""Import history and import problems pages: thin views over `onestory.sources.queries`,
which check the access policy and audit the read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onestory.access.policy import actor_for_user
from onestory.sources import queries
from onestory.sources.domain.facts import SOURCE_KIND_LABELS


@login_required
@require_GET
def import_problems(request):
    """Quarantined rows: file, row, field, reason, when seen, and the raw row."""
    by = actor_for_user(request.user, "page")
    kind = request.GET.get("kind", "")
    if kind not in SOURCE_KIND_LABELS:
        kind = ""
    rows = queries.list_quarantined_rows(by=by, kind=kind or None)
    context = {
        "rows": rows,
        "kind": kind,
        "kinds": list(SOURCE_KIND_LABELS.items()),
    }
    return render(request, "sources/import_problems.html", context)


@login_required
@require_GET
def imports(request):
    """Every import of every file, newest first, with what became of its rows."""
    by = actor_for_user(request.user, "page")
    return render(request, "sources/imports.html", {"imports": queries.list_imports(by=by)})
