from django.urls import path

from onestory.bcf import views

urlpatterns = [
    path("", views.home, name="bcf-home"),
    path("agreements/new/", views.agreement_new, name="bcf-agreement-new"),
    path("agreements/<uuid:agreement_id>/", views.plan_page, name="bcf-plan"),
    path("agreements/<uuid:agreement_id>/edit/", views.agreement_edit, name="bcf-agreement-edit"),
    path(
        "agreements/<uuid:agreement_id>/contributions/",
        views.contributions,
        name="bcf-contributions",
    ),
    path("agreements/<uuid:agreement_id>/schemes/", views.schemes, name="bcf-schemes"),
    path("agreements/<uuid:agreement_id>/schemes/new/", views.scheme_new, name="bcf-scheme-new"),
    path("agreements/<uuid:agreement_id>/targets/", views.targets_page, name="bcf-targets"),
    path("agreements/<uuid:agreement_id>/return.xlsx", views.quarterly_return, name="bcf-return"),
    path("schemes/<uuid:scheme_id>/", views.scheme_page, name="bcf-scheme"),
    path("schemes/<uuid:scheme_id>/spend/", views.scheme_spend, name="bcf-scheme-spend"),
]
