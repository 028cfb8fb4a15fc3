from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("collect.api_urls")),
    path("", include("review.api_urls")),
    path("", include("export.api_urls")),
    path("", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows no inline
    # script. (ReDoc's page needs one, and fonts from Google: not offered.)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
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
handler400 = "moisson.errors.bad_request"
handler500 = "moisson.errors.server_error"
handler404 = "moisson.api.not_found"
