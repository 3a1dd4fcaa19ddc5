from django.urls import path

from onestory.portal import views

urlpatterns = [
    path("me/login/", views.sign_in, name="portal-login"),
    path("me/logout/", views.sign_out, name="portal-logout"),
    path("me/", views.my_record, name="portal-home"),
    path("me/sharing/", views.sharing, name="portal-sharing"),
    path("me/access-log/", views.access_log, name="portal-access-log"),
]
