from django.urls import path

from . import views

app_name = "collect"
urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("statistiques/", views.statistics, name="statistics"),
    path("contribuer/", views.write, name="write"),
    path("contribuer/<uuid:pair_id>/", views.write, name="edit"),
    path("contribuer/verifier/", views.live_check, name="live_check"),
    path("contribuer/brouillon/", views.autosave, name="autosave"),
    path("paires/<uuid:pair_id>/", views.public, name="public"),
    path("mes-paires/", views.mine, name="mine"),
    path("mes-paires/<uuid:pair_id>/", views.detail, name="detail"),
    path("mes-paires/<uuid:pair_id>/retirer/", views.withdraw, name="withdraw"),
]
