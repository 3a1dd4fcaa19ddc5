from django.urls import path

from onestory.evaluation.indicators import views

urlpatterns = [
    path("indicators/", views.indicators_page, name="evaluation-indicators"),
    path("indicators.csv", views.indicators_csv, name="evaluation-indicators-csv"),
]
