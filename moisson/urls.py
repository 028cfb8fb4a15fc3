from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_v1 = [
    path("", include("collect.api_urls")),
    path("", include("review.api_urls")),
    path("", include("export.api_urls")),
    path("", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("", include("collect.urls")),
    path("", include("accounts.urls")),
    path("", include("review.urls")),
    path("", include("export.urls")),
    path("compte/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Moisson"
admin.site.site_title = "Moisson"
handler404 = "moisson.api.not_found"
