from django.urls import path

from onestory.initiatives import views

urlpatterns = [
    path("", views.home, name="initiatives"),
    path("new/", views.edit, name="initiative-new"),
    path("lived-experience/", views.lived_experience, name="lived-experience"),
    path("survey/<uuid:person_id>/", views.survey_entry, name="survey-entry"),
    path("my-survey/", views.my_survey, name="portal-survey"),
    path("runs/<uuid:run_id>/", views.run_page, name="evaluation-run"),
    path("runs/<uuid:run_id>/report.pdf", views.run_pdf, name="evaluation-run-pdf"),
    path("<uuid:initiative_id>/", views.detail, name="initiative"),
    path("<uuid:initiative_id>/edit/", views.edit, name="initiative-edit"),
    path("<uuid:initiative_id>/evaluate/", views.evaluate, name="initiative-evaluate"),
]
