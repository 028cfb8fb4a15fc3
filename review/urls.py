from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("relire/", views.next_pair, name="next"),
    path("relire/passer/", views.skip, name="skip"),
    path("relire/<uuid:pair_id>/bilan/", views.tally, name="tally"),
    path("signaler/<uuid:pair_id>/", views.report, name="report"),
    path("suggestions/<int:review_id>/", views.suggestion, name="suggestion"),
    path("compte/mes-donnees/", views.my_data, name="my_data"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("classement/", views.leaderboard, name="leaderboard"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/paires/<uuid:pair_id>/", views.moderate, name="moderate"),
    path("moderation/paires/<uuid:pair_id>/decision/", views.moderate_decide, name="moderate_decide"),
    path("moderation/paires/<uuid:pair_id>/correction/", views.moderate_edit, name="moderate_edit"),
    path("moderation/comptes/<int:user_id>/suspendre/", views.suspend, name="suspend"),
    path("moderation/retrait/", views.takedown, name="takedown"),
    path("moderation/journal/", views.audit, name="audit"),
    path("moderation/messages/<int:request_id>/traite/", views.contact_handled, name="contact_handled"),
    path("contact/", views.contact, name="contact"),
    path("contact/envoye/", views.contact_sent, name="contact_sent"),
    path("moderation/couverture/", views.coverage, name="coverage"),
]
