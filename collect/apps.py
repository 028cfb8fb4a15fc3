from django.apps import AppConfig
from django.db.models.signals import post_save


class CollectConfig(AppConfig):
    name = "collect"
    verbose_name = "Collecte"

    def ready(self) -> None:
        # Keeps the cached statistics fresh; the figures themselves are counted in collect.statistics.
        from .models import Pair
        from .statistics import pair_saved

        post_save.connect(pair_saved, sender=Pair, dispatch_uid="collect-statistics-pair-saved")
