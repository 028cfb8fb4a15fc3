from django.urls import path, register_converter

from . import views
from .models import VERSION_PATTERN


class VersionConverter:
    regex = VERSION_PATTERN.pattern.strip("^$")

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionConverter, "release_version")

app_name = "export"
urlpatterns = [
    path("jeux-de-donnees/", views.releases, name="list"),
    path("jeux-de-donnees/nouvelle/", views.start, name="start"),
    path("jeux-de-donnees/<release_version:version>/", views.detail, name="detail"),
    path("jeux-de-donnees/<release_version:version>/fichiers/<path:path>", views.download, name="download"),
]
