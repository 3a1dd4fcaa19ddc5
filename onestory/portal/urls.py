from django.urls import path

from onestory.portal import plan_views, views

urlpatterns = [
    path("me/login/", views.sign_in, name="portal-login"),
    path("me/logout/", views.sign_out, name="portal-logout"),
    path("me/", views.my_record, name="portal-home"),
    path("me/sharing/", views.sharing, name="portal-sharing"),
    path("me/access-log/", views.access_log, name="portal-access-log"),
    path("me/plan/", plan_views.my_plan, name="portal-plan"),
    path("me/plan/write/", plan_views.write, name="portal-plan-write"),
    path(
        "me/plan/statements/<uuid:statement_id>/confirm/",
        plan_views.confirm,
        name="portal-plan-confirm",
    ),
    path(
        "me/plan/statements/<uuid:statement_id>/rewrite/",
        plan_views.rewrite,
        name="portal-plan-rewrite",
    ),
    path("me/plan/pdf/", plan_views.my_plan_pdf, name="portal-plan-pdf"),
]
