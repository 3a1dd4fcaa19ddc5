from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "onestory.planning"
    label = "planning"
    verbose_name = "Care and support plans"
