from django.urls import path

from onestory.commissioning import views

urlpatterns = [
    path("", views.overview, name="commissioning"),
    path("metrics.csv", views.overview_csv, name="commissioning-csv"),
]
