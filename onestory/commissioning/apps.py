from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "onestory.commissioning"
    label = "commissioning"
    verbose_name = "Commissioning"
