from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        # After django.contrib.sites (earlier in INSTALLED_APPS) has created its default record.
        post_migrate.connect(_sync_site, sender=self)
        # Imported here: the module needs the auth models, which are not loaded when apps.py is.
        from .permissions import connect_signals

        connect_signals(self.get_model("User"))


def _sync_site(*, using: str = "default", **kwargs: object) -> None:
    from .services import sync_site

    sync_site(using=using)
