from django.urls import path

from onestory.casework import views

urlpatterns = [
    path("", views.home, name="mdt-home"),
    path("worklist/", views.worklist, name="mdt-worklist"),
    path("worklist.csv", views.worklist_csv, name="mdt-worklist-csv"),
    path("caseload/", views.caseload, name="mdt-caseload"),
    path("caseload/<int:entry_id>/end/", views.end_caseload, name="mdt-end-caseload"),
    path("people/<uuid:person_id>/take-on/", views.take_on, name="mdt-take-on"),
    path("meetings/", views.meetings, name="mdt-meetings"),
    path("meetings/<int:meeting_id>/", views.meeting, name="mdt-meeting"),
    path("meetings/<int:meeting_id>/actions/", views.assign_action, name="mdt-assign-action"),
    path("actions/", views.my_actions, name="mdt-my-actions"),
    path("actions/<int:action_id>/complete/", views.complete_action, name="mdt-complete-action"),
]
