from django.contrib.auth import views as auth_views
from django.urls import path

from onestory.access import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="access/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("privacy/break-glass/", views.break_glass_queue, name="break-glass-queue"),
    path(
        "privacy/break-glass/<int:grant_id>/review/",
        views.break_glass_review,
        name="break-glass-review",
    ),
    path("admin/staff/", views.staff_list, name="staff-list"),
    path("admin/staff/new/", views.staff_create, name="staff-create"),
    path("admin/staff/<int:staff_id>/", views.staff_assign, name="staff-assign"),
]
