from django.urls import path

from onestory.national import model_views

urlpatterns = [
    path("", model_views.index, name="integration-models"),
    path("<slug:code>/", model_views.partnership, name="integration-model"),
    path("<slug:code>/new/", model_views.new_version, name="integration-model-new"),
]
