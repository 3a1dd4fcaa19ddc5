from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "onestory.market"
    label = "market"
    verbose_name = "Care market and pooled commissioning"
