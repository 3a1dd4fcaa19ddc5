from django.urls import include, path

from onestory.api import api
from onestory.ops import probes

# A server error; the database-unavailable page (503) when the database went away.
handler500 = "onestory.ops.errors.server_error"

urlpatterns = [
    # Liveness and readiness: public, name nobody (answered first by ops.probes.ProbeMiddleware).
    path("health/", probes.health, name="health"),
    path("ready/", probes.ready, name="ready"),
    path("", include("onestory.home.urls")),  # `/`, /home/, /overview/, /favicon.ico, /api/
    path("", include("onestory.access.urls")),
    path("", include("onestory.record.urls")),
    path("", include("onestory.sources.urls")),
    path("", include("onestory.portal.urls")),
    path("", include("onestory.budgets.urls")),
    path("", include("onestory.planning.urls")),
    path("identity/", include("onestory.people.urls")),
    path("mdt/", include("onestory.casework.urls")),
    path("national/", include("onestory.national.urls")),
    path("integration-model/", include("onestory.national.model_urls")),
    path("shared-lives/", include("onestory.sharedlives.urls")),
    path("commissioning/", include("onestory.commissioning.urls")),
    path("bcf/", include("onestory.bcf.urls")),
    path("market/", include("onestory.market.urls")),
    path("evaluation/", include("onestory.evaluation.urls")),
    path("initiatives/", include("onestory.initiatives.urls")),
    path("jobs/", include("onestory.jobs.urls")),
    path("api/", api.urls),
    path("", include("onestory.interop.smart_urls")),  # SMART App Launch (ADR 0030)
    path("", include("onestory.interop.urls")),  # /fhir
]
