from django.urls import path

from onestory.commissioning import views, views_needs

urlpatterns = [
    path("", views.overview, name="commissioning"),
    path("metrics.csv", views.overview_csv, name="commissioning-csv"),
    path("needs/", views_needs.needs_page, name="commissioning-needs"),
    path("needs/needs.csv", views_needs.needs_csv, name="commissioning-needs-csv"),
    path("needs/needs.xlsx", views_needs.needs_xlsx, name="commissioning-needs-xlsx"),
]
