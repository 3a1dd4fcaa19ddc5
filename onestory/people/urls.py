from django.urls import path

from onestory.people import views

urlpatterns = [
    path("review/", views.review_queue, name="identity-review"),
    path("review/batch/", views.review_batch, name="identity-review-batch"),
    path("review/<int:pair_id>/", views.review_pair, name="identity-review-pair"),
    path("people/<uuid:person_id>/", views.person, name="identity-person"),
    path("merge/", views.merge, name="identity-merge"),
    path("merge/<int:request_id>/", views.merge_request, name="identity-merge-request"),
]
