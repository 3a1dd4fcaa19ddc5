from django.contrib.auth import views as auth_views
from django.urls import path

from onestory.access import views
from onestory.access.auth import LockoutAwareLoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="access/login.html", authentication_form=LockoutAwareLoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("privacy/break-glass/", views.break_glass_queue, name="break-glass-queue"),
    path(
        "privacy/break-glass/<int:grant_id>/review/",
        views.break_glass_review,
        name="break-glass-review",
    ),
    path(
        "privacy/care-team-requests/<int:request_id>/review/",
        views.join_request_review,
        name="join-request-review",
    ),
    path(
        "care-team-requests/<int:request_id>/",
        views.join_request_status,
        name="join-request-status",
    ),
    path("admin/staff/", views.staff_list, name="staff-list"),
    path("admin/staff/new/", views.staff_create, name="staff-create"),
    path("admin/staff/<int:staff_id>/", views.staff_assign, name="staff-assign"),
    path("admin/staff/<int:staff_id>/active/", views.staff_active, name="staff-active"),
    path("admin/staff/<int:staff_id>/password/", views.staff_password, name="staff-password"),
]
