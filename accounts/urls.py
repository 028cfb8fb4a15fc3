from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("compte/conditions/", views.terms, name="terms"),
    path("compte/profil/", views.profile, name="profile"),
    path("compte/supprimer/", views.delete, name="delete"),
    path("compte/attente/", views.waiting, name="waiting"),
    path("moderation/vagues/", views.wave_admin, name="waves"),
    path("licence/", views.license_page, name="license"),
    path("confidentialite/", views.privacy, name="privacy"),
]
