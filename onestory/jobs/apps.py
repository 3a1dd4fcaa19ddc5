from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "onestory.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
