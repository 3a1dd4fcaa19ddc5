"""The JSON API: one NinjaAPI object that each app adds its routers to.

The interactive docs are at /api/docs (and /api/ redirects there): Swagger UI from the
scripts and styles django-ninja ships (ninja is an installed app, so nothing comes from a
CDN; no inline script, so it works under the Content-Security-Policy), without Swagger's
online validator. The OpenAPI schema itself is at /api/openapi.json. Authentication is the Django session
for now (401 when not signed in); PermissionDenied from the access policy becomes 403."""

from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI, Swagger
from ninja.security import django_auth

from onestory.record.domain.search import SearchQueryError

api = NinjaAPI(
    title="OneStory API",
    version="1",
    description=(
        "Read access to the integrated record. Every call is checked against the access "
        "policy and written to the audit log."
    ),
    auth=django_auth,
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or "You do not have access to this."}, status=403
    )


@api.exception_handler(SearchQueryError)
def bad_search(request, exc: SearchQueryError):
    return api.create_response(
        request, {"detail": "The search could not be understood.", "errors": exc.errors}, status=400
    )


api.add_router("/people", "onestory.record.api.router")
