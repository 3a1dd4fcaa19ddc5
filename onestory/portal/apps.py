from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Pages for the person (or their chosen representative): their own record, their sharing
    choices, and who has looked at their record."""

    name = "onestory.portal"
    label = "portal"
    verbose_name = "Person portal"
