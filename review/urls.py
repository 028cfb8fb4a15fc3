from django.urls import path

from .views import contact, moderation, personal_data, standings, voting

app_name = "review"
urlpatterns = [
    path("relire/", voting.next_pair, name="next"),
    path("relire/passer/", voting.skip, name="skip"),
    path("relire/<uuid:pair_id>/bilan/", voting.tally, name="tally"),
    path("signaler/<uuid:pair_id>/", voting.report, name="report"),
    path("suggestions/<int:review_id>/", voting.suggestion, name="suggestion"),
    path("compte/mes-donnees/", personal_data.my_data, name="my_data"),
    path("tableau-de-bord/", standings.dashboard, name="dashboard"),
    path("classement/", standings.leaderboard, name="leaderboard"),
    path("moderation/", moderation.queue, name="queue"),
    path("moderation/paires/<uuid:pair_id>/", moderation.moderate, name="moderate"),
    path("moderation/paires/<uuid:pair_id>/decision/", moderation.moderate_decide, name="moderate_decide"),
    path("moderation/paires/<uuid:pair_id>/correction/", moderation.moderate_edit, name="moderate_edit"),
    path("moderation/comptes/<int:user_id>/suspendre/", moderation.suspend, name="suspend"),
    path("moderation/retrait/", moderation.takedown, name="takedown"),
    path("moderation/journal/", moderation.audit, name="audit"),
    path("moderation/messages/<int:request_id>/traite/", contact.contact_handled, name="contact_handled"),
    path("contact/", contact.contact, name="contact"),
    path("contact/envoye/", contact.contact_sent, name="contact_sent"),
    path("moderation/couverture/", moderation.coverage, name="coverage"),
]
