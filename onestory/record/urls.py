from django.urls import path

from onestory.record import views

urlpatterns = [
    path("", views.search, name="search"),
    path("people/<uuid:person_id>/", views.person, name="person"),
    path("people/<uuid:person_id>/timeline/", views.timeline, name="person-timeline"),
    path(
        "people/<uuid:person_id>/join-care-team/",
        views.join_care_team,
        name="person-join-care-team",
    ),
    path("people/<uuid:person_id>/break-glass/", views.break_glass, name="person-break-glass"),
    path(
        "care-team/<int:membership_id>/leave/",
        views.leave_care_team,
        name="care-team-leave",
    ),
]
