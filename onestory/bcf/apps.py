from django.apps import AppConfig


class BcfConfig(AppConfig):
    name = "onestory.bcf"
    label = "bcf"
    verbose_name = "Better Care Fund plan"
