import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")

app = Celery("moisson")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
