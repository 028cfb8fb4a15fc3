from django.urls import path

from . import api

app_name = "review_api"
urlpatterns = [
    path("review/next/", api.NextPairView.as_view(), name="next"),
    path("review/next/skip/", api.SkipView.as_view(), name="skip"),
    path("reviews/", api.ReviewCreateView.as_view(), name="reviews"),
    # Under /pairs/ like the pair's other actions; served by this app because reports belong to review.
    path("pairs/<str:pk>/report/", api.ReportView.as_view(), name="report"),
    path("moderation/queue/", api.ModerationQueueView.as_view(), name="moderation-queue"),
    path("moderation/pairs/<str:pk>/decide/", api.DecisionView.as_view(), name="decide"),
]
