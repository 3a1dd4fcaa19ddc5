from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "onestory.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"
