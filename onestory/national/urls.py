from django.urls import path

from onestory.national import views

urlpatterns = [
    path("", views.home, name="national"),
    path("table.csv", views.table_csv, name="national-csv"),
    path("table.xlsx", views.table_xlsx, name="national-xlsx"),
    path("models/", views.models, name="national-models"),
]
