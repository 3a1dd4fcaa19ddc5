from django.urls import path

from onestory.planning import views

urlpatterns = [
    path("people/<uuid:person_id>/plan/", views.plan, name="plan"),
    path("people/<uuid:person_id>/plan/start/", views.start, name="plan-start"),
    path("people/<uuid:person_id>/plan/statements/", views.propose, name="plan-propose"),
    path(
        "people/<uuid:person_id>/plan/statements/<uuid:statement_id>/",
        views.edit,
        name="plan-edit",
    ),
    path("people/<uuid:person_id>/plan/goals/", views.add_goal, name="plan-add-goal"),
    path("people/<uuid:person_id>/plan/reviews/", views.review, name="plan-review"),
    path("people/<uuid:person_id>/plan/restore/", views.restore, name="plan-restore"),
    path("people/<uuid:person_id>/plan/coordinator/", views.coordinate, name="plan-coordinate"),
    path("people/<uuid:person_id>/plan/compare/", views.compare, name="plan-compare"),
    path("people/<uuid:person_id>/plan/print/", views.printable, name="plan-print"),
    path("people/<uuid:person_id>/plan/pdf/", views.pdf, name="plan-pdf"),
    path("people/<uuid:person_id>/plan/fhir/", views.fhir, name="plan-fhir"),
    path("plans/overdue/", views.overdue, name="plans-overdue"),
    path("plans/report/", views.report, name="plans-report"),
]
