from django.urls import path

from onestory.jobs import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/cancel/", views.job_cancel, name="job-cancel"),
]
