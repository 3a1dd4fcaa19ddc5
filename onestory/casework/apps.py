from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "onestory.casework"
    label = "casework"
    verbose_name = "MDT case management"
