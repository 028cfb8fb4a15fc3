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
        # Opening in waves: an account takes its seat when its address is confirmed (accounts.waves).
        from allauth.account.signals import email_confirmed

        email_confirmed.connect(_address_confirmed, weak=False)


def _sync_site(*, using: str = "default", **kwargs: object) -> None:
    from .services import sync_site

    sync_site(using=using)


def _address_confirmed(*, email_address: object, **kwargs: object) -> None:
    from .waves import address_confirmed

    address_confirmed(user=email_address.user)
