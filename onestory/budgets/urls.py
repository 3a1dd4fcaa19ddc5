from django.urls import path

from onestory.budgets import views

urlpatterns = [
    path("people/<uuid:person_id>/budget/", views.budget_page, name="person-budget"),
    path(
        "people/<uuid:person_id>/budget/action/", views.budget_action, name="person-budget-action"
    ),
    path("who-pays/", views.who_pays, name="who-pays"),
    path("who-pays/plotly.min.js", views.plotly_js, name="plotly-js"),
    path("me/budget/", views.my_budget, name="portal-budget"),
]
