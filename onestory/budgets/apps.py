from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "onestory.budgets"
    label = "budgets"
    verbose_name = "Budgets"
