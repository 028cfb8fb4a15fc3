from django.urls import path

from . import api

app_name = "export_api"
urlpatterns = [
    path("releases/", api.ReleaseList.as_view(), name="release-list"),
    path("releases/<str:version>/", api.ReleaseDetail.as_view(), name="release-detail"),
]
