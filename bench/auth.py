"""CPU to find the account of a request (the session's `request.user`, the API token's): Django's, allauth's
and DRF's reads against accounts.authentication's, alternated in one process.

    .venv/bin/python bench/auth.py --rounds 15           (after bench/seed.py N; BENCH_DATABASE_URL as cpu.py)
    .venv/bin/python bench/auth.py --pages --rounds 40   whole requests, as bench/cpu.py

Runs of two checkouts compared one after the other differ by more than this change on a shared machine (the
same code's CPU per request moves by a third from one run to the next); alternating in one process does not.

Lookups (default): each round times, for each way, `--calls` lookups over the `benchN` volunteers:
- "session, Django": django.contrib.auth.get_user on a session naming Django's ModelBackend (the account's
  row through the ORM, then the session hash check), "session, accounts": the same naming
  accounts.authentication.ModelBackend. The session is built in memory: loading it (from the cache in
  production) costs the same either way and is left out.
- "token, DRF": rest_framework's TokenAuthentication.authenticate, "token, accounts": accounts'.
- "SQL alone": the user's SQL sent with cursor.execute and fetched, without building the object: the floor.

--pages: the endpoints of bench/cpu.py, each request made twice in a row through Django's handler, once
with the former reads (Django's and DRF's methods put back in accounts.authentication's classes for that
request, Django's AuthenticationMiddleware's process_request) and once as the code is, which goes first
alternating; two different volunteers, so that both requests of the review page hand a pair out. Prints
the median CPU milliseconds per endpoint and way, and their median difference. Both modes read only,
except the review pages' hand-outs (as bench/cpu.py).
"""

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import endpoints  # noqa: E402
from load import django_in_this_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200, help="lookups per way and round")
    parser.add_argument("--pages", action="store_true", help="whole requests instead of lookups")
    args = parser.parse_args()

    seeded = django_in_this_process()
    if args.pages:
        pages(seeded, rounds=args.rounds)
    else:
        lookups(seeded, rounds=args.rounds, calls=args.calls)
    print(f"load average {os.getloadavg()[0]:.1f}")


def lookups(seeded: dict, *, rounds: int, calls: int) -> None:
    from django.conf import settings
    from django.contrib import auth
    from django.contrib.sessions.backends.base import SessionBase
    from django.db import connection
    from django.test import RequestFactory, override_settings
    from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
    from rest_framework.request import Request

    from accounts.authentication import USER_BY_ID, TokenAuthentication
    from accounts.models import User

    people = list(User.objects.filter(username__in=seeded["accounts"]).order_by("pk"))
    factory = RequestFactory()

    def session_request(user: User, backend: str) -> object:
        request = factory.get("/")
        request.session = SessionBase()  # in memory: nothing to load, nothing saved
        request.session.update(
            {
                auth.SESSION_KEY: str(user.pk),
                auth.BACKEND_SESSION_KEY: backend,
                auth.HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        return request

    def token_request(user: User) -> Request:
        token = seeded["accounts"][user.username]["token"]
        return Request(factory.get("/", HTTP_AUTHORIZATION=f"Token {token}"))

    django_backend = "django.contrib.auth.backends.ModelBackend"
    accounts_backend = "accounts.authentication.ModelBackend"
    sql = USER_BY_ID.compile(people[0].pk).sql

    def sql_alone(user: User) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk])
            cursor.fetchall()

    ways = {
        "session, Django": (lambda user: session_request(user, django_backend), auth.get_user),
        "session, accounts": (lambda user: session_request(user, accounts_backend), auth.get_user),
        "token, DRF": (token_request, DRFTokenAuthentication().authenticate),
        "token, accounts": (token_request, TokenAuthentication().authenticate),
        "SQL alone": (lambda user: user, sql_alone),
    }
    costs: dict[str, list[float]] = {name: [] for name in ways}
    with override_settings(AUTHENTICATION_BACKENDS=[*settings.AUTHENTICATION_BACKENDS, django_backend]):
        for round_number in range(rounds + 1):  # the first round warms up and is dropped
            for name, (make, look_up) in ways.items():
                first = round_number * calls
                made = [make(people[(first + n) % len(people)]) for n in range(calls)]
                started = time.process_time()
                for call in made:
                    found = look_up(call)
                used = (time.process_time() - started) / calls * 1e6
                user = found[0] if isinstance(found, tuple) else found
                if name != "SQL alone" and not user.is_authenticated:
                    raise SystemExit(f"{name}: nobody found")
                if round_number:
                    costs[name].append(used)

    print(f"{'way':<20} {'median µs':>10} {'min µs':>8}")
    for name, values in costs.items():
        print(f"{name:<20} {statistics.median(values):>10.0f} {min(values):>8.0f}")
    print(f"{connection.vendor}, {rounds} rounds of {calls}")


@contextlib.contextmanager
def former_reads() -> Iterator[None]:
    """accounts.authentication's classes with Django's and DRF's methods put back, for one request."""
    from django.contrib.auth import backends
    from django.contrib.auth import middleware as auth_middleware
    from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication

    from accounts import authentication

    replaced = [
        (authentication.CompiledGetUser, "get_user", backends.ModelBackend.get_user),
        (
            authentication.TokenAuthentication,
            "authenticate_credentials",
            DRFTokenAuthentication.authenticate_credentials,
        ),
        (
            authentication.AuthenticationMiddleware,
            "process_request",
            auth_middleware.AuthenticationMiddleware.process_request,
        ),
    ]
    for owner, name, former in replaced:
        setattr(owner, f"_bench_{name}", owner.__dict__[name])
        setattr(owner, name, former)
    try:
        yield
    finally:
        for owner, name, _former in replaced:
            setattr(owner, name, owner.__dict__[f"_bench_{name}"])
            delattr(owner, f"_bench_{name}")


def pages(seeded: dict, *, rounds: int) -> None:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.test import Client

    from accounts.authentication import FORMER_BACKENDS

    accounts = [seeded["accounts"][name] for name in sorted(seeded["accounts"])]
    session = import_module(settings.SESSION_ENGINE).SessionStore(accounts[0]["session"])
    if session.get(BACKEND_SESSION_KEY) in FORMER_BACKENDS:
        # The first request would rename it, writing the session: seed sessions that name today's backend.
        raise SystemExit("The sessions name a former backend: write others with bench/seed.py --sessions-for")
    paths = endpoints(random.Random(1), seeded["pairs"])
    client = Client()
    costs: dict[str, dict[str, list[float]]] = {name: {"former": [], "now": []} for name in paths}

    def measure(name: str, path: str, account: dict, former: bool) -> float:
        client.cookies["sessionid"] = account["session"]
        headers = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if name.startswith("api") else {}
        with former_reads() if former else contextlib.nullcontext():
            started = time.process_time()
            response = client.get(path, **headers)
            used = (time.process_time() - started) * 1000
        if response.status_code not in (200, 204):
            raise SystemExit(f"{name}: HTTP {response.status_code}")
        return used

    for round_number in range(rounds + 2):  # the first two rounds warm the caches and are dropped
        pair_of_accounts = [accounts[(2 * round_number + n) % len(accounts)] for n in (0, 1)]
        for name, path in paths.items():
            order = [True, False] if round_number % 2 else [False, True]
            for former, account in zip(order, pair_of_accounts, strict=True):
                used = measure(name, path(), account, former)
                if round_number >= 2:
                    costs[name]["former" if former else "now"].append(used)

    print(f"{'endpoint':<22} {'former ms':>10} {'now ms':>8} {'Δ ms':>7}")
    for name, ways in costs.items():
        differences = [now - former for former, now in zip(ways["former"], ways["now"], strict=True)]
        print(
            f"{name:<22} {statistics.median(ways['former']):>10.2f} {statistics.median(ways['now']):>8.2f}"
            f" {statistics.median(differences):>+7.2f}"
        )
    print(f"{rounds} rounds, each request once per way")


if __name__ == "__main__":
    main()
