from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "onestory.national"
    label = "national"
    verbose_name = "National view"
