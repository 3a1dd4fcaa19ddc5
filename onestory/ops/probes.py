"""`/health/` (liveness: the process answers) and `/ready/` (readiness: the database answers
and every migration is applied). Both are public, need no sign-in and name nobody: a JSON
status and, when not ready, a reason that names no person or setting value.

`ProbeMiddleware` answers them first, before sessions and the Host check, so that a
container orchestrator's probe (which calls by the pod's address, not a host name) reaches
them; the same views are in the URL configuration for everyone else."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PATHS = ("/health/", "/ready/")

# Once every migration has been seen applied, this process need not look again: a new
# release (new migrations) is a new process.
_migrations_applied = False


@never_cache
@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            from onestory.cli import pending_migrations

            pending = pending_migrations()
            if pending:
                return JsonResponse(
                    {
                        "status": "not ready",
                        "reason": f"{len(pending)} database migration(s) not applied: "
                        "run `onestory migrate`",
                    },
                    status=503,
                )
            _migrations_applied = True
    except DatabaseError:
        return JsonResponse({"status": "not ready", "reason": "database unreachable"}, status=503)
    return JsonResponse({"status": "ready"})


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/health/" and request.method in ("GET", "HEAD"):
            return health(request)
        if request.path == "/ready/" and request.method in ("GET", "HEAD"):
            return ready(request)
        return self.get_response(request)
