"""/fhir, with and without the trailing slash a FHIR base URL usually lacks. Anything else
under /fhir is a 404 OperationOutcome (`views.unknown`)."""

from django.urls import path, re_path

from onestory.interop import smart_views, views

app_name = "fhir"

urlpatterns = [
    path("fhir", views.base, name="base"),
    path("fhir/", views.base),
    path("fhir/metadata", views.metadata, name="metadata"),
    # SMART discovery under the FHIR base (the rest of SMART is in smart_urls).
    path(
        "fhir/.well-known/smart-configuration",
        smart_views.smart_configuration,
        name="smart-configuration-fhir",
    ),
    path("fhir/$export", views.export, name="export"),
    path("fhir/Patient/$export", views.export, {"level": "patient"}, name="export-patients"),
    path("fhir/Group/<str:group>/$export", views.export, {"level": "group"}, name="export-group"),
    path("fhir/$export-status/<str:job_id>", views.export_status, name="export-status"),
    path("fhir/$export-file/<str:job_id>/<str:name>", views.export_file, name="export-file"),
    path("fhir/Patient/<str:resource_id>/$everything", views.patient_everything, name="everything"),
    path("fhir/<str:resource_type>", views.type_search, name="search"),
    path("fhir/<str:resource_type>/<str:resource_id>", views.read, name="read"),
    path("fhir/<str:resource_type>/<str:resource_id>/_history", views.history, name="history"),
    path(
        "fhir/<str:resource_type>/<str:resource_id>/_history/<str:version>",
        views.history,
        name="vread",
    ),
    re_path(r"^fhir/(?P<rest>.*)$", views.unknown, name="unknown"),
]
