"""SMART App Launch (ADR 0030): discovery, the consent page (authorization endpoint),
the token and revocation endpoints (django-oauth-toolkit's own views) and app
registration. The discovery document under /fhir is in `interop.urls`."""

from django.urls import path
from oauth2_provider import views as oauth_views

from onestory.interop import smart_views

urlpatterns = [
    path(
        ".well-known/smart-configuration",
        smart_views.smart_configuration,
        name="smart-configuration",
    ),
    path("oauth/authorize", smart_views.authorize, name="smart-authorize"),
    path("oauth/token", oauth_views.TokenView.as_view(), name="smart-token"),
    path("oauth/revoke", oauth_views.RevokeTokenView.as_view(), name="smart-revoke"),
    path("smart/apps/", smart_views.apps, name="smart-apps"),
    path("smart/apps/<int:app_id>/remove", smart_views.app_remove, name="smart-app-remove"),
]
