"""What the test run needs in its environment before Django reads its settings.

Loaded by pytest as a plugin (`-p tests.environment` in pyproject.toml), so before pytest-django
imports moisson.settings: the settings refuse to start without SECRET_KEY, and the tests must not write
into the developer's var/. Subprocesses the tests start (a Celery worker, gunicorn) inherit all this.
"""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(50))
# The number of requests a process lets in at once follows the machine's speed (moisson.overload.Places): on
# a CI machine whose cores the two test runs fill, it would shrink during the run, and a test sending
# requests at once, to a server it started or through the test client, would meet 503s that depend on what
# ran before. Fixed here; tests/moisson/test_overload.py turns it on where it is the subject.
os.environ.setdefault("MOISSON_TARGET_MS", "0")

if "VAR_DIR" not in os.environ:
    _var_dir = Path(tempfile.mkdtemp(prefix="moisson-tests-var-"))
    atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)
    os.environ["VAR_DIR"] = str(_var_dir)
# WhiteNoise warns about a missing STATIC_ROOT each time a test client builds the middleware chain
# (collectstatic makes it in production), and warnings are errors here.
(Path(os.environ["VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
