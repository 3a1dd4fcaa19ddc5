from django.urls import path
from django.views.generic import RedirectView

from onestory.home import views

urlpatterns = [
    # Before the record's URLs, so that `/` sends roles that do not search to their page.
    path("", views.root),
    path("home/", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/", RedirectView.as_view(pattern_name="api:openapi-view"), name="api-home"),
]
