"""Gunicorn settings, for `WEB_SERVER=gunicorn` (moisson/serve.py; the default server is granian) or
`gunicorn -c gunicorn.conf.py moisson.wsgi`.

Everything comes from environment variables with defaults sized for a small machine (2 cores):

| variable | default | meaning |
| --- | --- | --- |
| `HOST`, `PORT` | 127.0.0.1, 8000 | where to listen (`BIND` overrides both, e.g. `unix:/run/moisson.sock`) |
| `WEB_WORKERS` | 2 (1 on one core) | processes; about one per core (`moisson.cores.web_workers`) |
| `WEB_THREADS` | 16 | threads per process (see below) |
| `WEB_TIMEOUT` | 30 | seconds before a worker whose main loop stops answering is restarted |
| `WEB_PRELOAD` | true | load Django and the language detector once, before forking |

Why more threads than `MOISSON_MAX_IN_FLIGHT` (moisson/overload.py): requests beyond the limit must reach
the overload middleware and get their 503 at once, instead of waiting unseen in gunicorn's queue.

Why preload: the language detector of `collect.checks` (lingua, about 280 MiB of models) is loaded in
the master process before the workers fork, so every worker shares those pages copy-on-write instead
of loading its own copy on its first write (several seconds under load, and 280 MiB more per worker).
Measured in bench/RESULTS.md ("Memory per worker"). The master also warms up what every worker would
otherwise do on its first requests (moisson.wsgi.warm_up: the URL configuration, the templates, the
translations), then freezes that heap (`gc.freeze()`): the workers' garbage collections never walk it. Under
200 simulated volunteers this cut the collector's time per worker from about 0.5 s to 0.15 s over 20 s.
"""

import gc
import os

from moisson.cores import web_workers

host = os.environ.get("HOST", "127.0.0.1")
port = os.environ.get("PORT", "8000")
bind = os.environ.get("BIND", f"{host}:{port}")
workers = web_workers()
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "16"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# A short listen queue: beyond it the kernel refuses connections instead of letting them wait unseen.
backlog = int(os.environ.get("WEB_BACKLOG", "256"))
preload_app = os.environ.get("WEB_PRELOAD", "true").lower() in ("1", "true", "yes", "on")
wsgi_app = "moisson.wsgi:application"
accesslog = os.environ.get("WEB_ACCESS_LOG", None) or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The master's own name in `ps`, to tell the web processes apart from the worker's.
proc_name = "moisson-web"
# Gunicorn 23+ opens a control socket in ~/.gunicorn by default, shared by every server of the account:
# two checkouts served at once would fight over it. Nothing here uses it.
control_socket_disable = True


def when_ready(server: object) -> None:
    """In the master, after the application is loaded and before the first fork."""
    if not preload_app:
        return
    from moisson.wsgi import prepare_to_fork

    prepare_to_fork()


def post_fork(server: object, worker: object) -> None:
    from moisson.wsgi import WORKER_GC_THRESHOLD

    gc.set_threshold(*WORKER_GC_THRESHOLD)
    # Nothing the master opened may be shared with a worker: each opens its own database connections.
    if not preload_app:
        return
    from django.db import connections

    connections.close_all()
