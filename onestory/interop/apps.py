from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "onestory.interop"
    label = "interop"
    verbose_name = "FHIR interoperability"
