from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "onestory.sources"
    label = "sources"
    verbose_name = "Sources"
