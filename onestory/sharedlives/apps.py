from django.apps import AppConfig


class SharedLivesConfig(AppConfig):
    name = "onestory.sharedlives"
    label = "sharedlives"
    verbose_name = "Shared Lives"
