"""A Celery worker whose release builds stall once their files are written, until the test kills it.

Run as a script by tests/reliability/test_release_faults.py: the stall replaces the check with
`datasets.load_dataset`, the last step before the release directory is moved into place, so that the
worker dies with a complete temporary directory and its release row `building`: the worst moment.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moisson.settings")

import django  # noqa: E402

django.setup()

import export.build  # noqa: E402
from moisson.celery import app  # noqa: E402


def stall(*args: object, **kwargs: object) -> None:
    time.sleep(3600)


export.build._verify = stall
app.worker_main(sys.argv[1:])
