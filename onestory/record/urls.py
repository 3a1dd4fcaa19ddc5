from django.urls import path

from onestory.record import views

urlpatterns = [
    path("", views.search, name="search"),
    path("people/<uuid:person_id>/", views.person, name="person"),
    path("people/<uuid:person_id>/timeline/", views.timeline, name="person-timeline"),
]
