"""/fhir, with and without the trailing slash a FHIR base URL usually lacks."""

from django.urls import path

from onestory.interop import views

app_name = "fhir"

urlpatterns = [
    path("fhir", views.base, name="base"),
    path("fhir/", views.base),
    path("fhir/metadata", views.metadata, name="metadata"),
    path("fhir/Patient/<str:resource_id>/$everything", views.patient_everything, name="everything"),
    path("fhir/<str:resource_type>", views.type_search, name="search"),
    path("fhir/<str:resource_type>/<str:resource_id>", views.read, name="read"),
]
