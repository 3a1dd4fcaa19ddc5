from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "onestory.record"
    label = "record"
    verbose_name = "Record"
