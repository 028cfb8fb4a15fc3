from django.urls import path

from . import api

app_name = "accounts_api"
urlpatterns = [
    path("auth/token/", api.ObtainTokenView.as_view(), name="token"),
]
