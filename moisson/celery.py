import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")

app = Celery("moisson")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def create_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """The filesystem transport (the embedded mode) needs its folders before the first message.

    Done when the app is first used, by the web process sending a task as by the worker, rather than
    when the settings are imported: importing settings writes nothing.
    """
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@beat_init.connect
def create_schedule_folder(sender: Any, **kwargs: Any) -> None:
    """Beat keeps its schedule in a file under VAR_DIR; make sure its folder exists."""
    from django.conf import settings

    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
