from django.urls import path

from onestory.sharedlives import views

urlpatterns = [
    path("", views.home, name="sharedlives-home"),
    path("costs/", views.costs, name="sharedlives-costs"),
    path("carers/new/", views.carer_new, name="sharedlives-carer-new"),
    path("carers/<uuid:carer_id>/", views.carer_page, name="sharedlives-carer"),
    path("carers/<uuid:carer_id>/action/", views.carer_action, name="sharedlives-carer-action"),
    path("people/<uuid:person_id>/refer/", views.refer, name="sharedlives-refer"),
    path("referrals/<uuid:referral_id>/", views.referral_page, name="sharedlives-referral"),
    path(
        "referrals/<uuid:referral_id>/action/",
        views.referral_action,
        name="sharedlives-referral-action",
    ),
]
