from django.urls import include, path

from onestory.api import api

urlpatterns = [
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
    path("shared-lives/", include("onestory.sharedlives.urls")),
    path("commissioning/", include("onestory.commissioning.urls")),
    path("bcf/", include("onestory.bcf.urls")),
    path("market/", include("onestory.market.urls")),
    path("evaluation/", include("onestory.evaluation.urls")),
    path("initiatives/", include("onestory.initiatives.urls")),
    path("api/", api.urls),
    path("", include("onestory.interop.urls")),  # /fhir
]
