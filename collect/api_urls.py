from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "collect_api"

router = SimpleRouter()
router.register("pairs", api.PairViewSet, basename="pairs")

urlpatterns = [
    *router.urls,
    path("stats/", api.StatisticsView.as_view(), name="stats"),
    path("stats/coverage/", api.CoverageView.as_view(), name="coverage"),
]
