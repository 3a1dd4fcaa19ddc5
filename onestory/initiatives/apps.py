from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "onestory.initiatives"
    label = "initiatives"
    verbose_name = "Initiative register and evaluations"
