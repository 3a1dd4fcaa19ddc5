from django.urls import path

from onestory.sources import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/problems/", views.import_problems, name="import-problems"),
]
