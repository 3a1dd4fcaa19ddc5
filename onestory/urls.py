from django.urls import include, path

urlpatterns = [
    path("", include("onestory.access.urls")),
]
