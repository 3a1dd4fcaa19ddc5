from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "onestory.places"
    label = "places"
    verbose_name = "Partnerships and localities"
