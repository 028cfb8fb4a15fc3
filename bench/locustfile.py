"""The launch-day mix of issue 14 for locust (headless, driven by bench/load.py).

Requests: 60 % page and API reads, 25 % votes (asking the API for the next pair, then voting on it: two
requests), 15 % new pairs through the API; think time 0–1 s. Each simulated volunteer is one of the
`benchN` accounts of bench/seed.py, signed in (its session cookie for pages, its token for the API).

Every response is recorded with its kind (read, vote, new pair) and written as JSON to BENCH_OUT when the
run ends, so bench/load.py computes the percentiles per kind itself, with the 503s apart.
"""

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, between, events, task
from vocabulary import sentence

_SEEDED = json.loads(Path(os.environ["BENCH_SESSIONS"]).read_text())
SESSIONS: dict[str, dict[str, str]] = _SEEDED["accounts"]
ACCOUNTS = sorted(SESSIONS)
PAIR_IDS: list[str] = _SEEDED["pairs"]
_next_account = itertools.count()
# (kind, seconds, status, when it started) of every request, kept in memory and written once at the end.
RECORDS: list[tuple[str, float, int, float]] = []


@events.request.add_listener
def record(request_type: str, name: str, response_time: float, response: object, **kwargs: object) -> None:
    status = getattr(response, "status_code", 0) or 0
    RECORDS.append((name.split(":")[0], response_time / 1000, status, time.time() - response_time / 1000))


@events.quitting.add_listener
def write_records(environment: object, **kwargs: object) -> None:
    Path(os.environ["BENCH_OUT"]).write_text(json.dumps(RECORDS))


class Volunteer(FastHttpUser):
    wait_time = between(0, 1)

    def on_start(self) -> None:
        account = SESSIONS[ACCOUNTS[next(_next_account) % len(ACCOUNTS)]]
        self.cookie = {"Cookie": f"sessionid={account['session']}"}
        self.token = {"Authorization": f"Token {account['token']}"}
        self.rng = random.Random(account["token"])

    def _get(self, name: str, url: str, headers: dict) -> None:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code == 503:
                response.failure("503")

    # Reads: 120 of 200 requests.
    @task(20)
    def home(self) -> None:
        self._get("read:home", "/", self.cookie)

    @task(10)
    def guide(self) -> None:
        self._get("read:guide", "/guide/", self.cookie)

    @task(15)
    def public_pair(self) -> None:
        self._get("read:pair page", f"/paires/{self.rng.choice(PAIR_IDS)}/", self.cookie)

    @task(15)
    def my_pairs(self) -> None:
        self._get("read:my pairs", "/mes-paires/", self.cookie)

    @task(10)
    def review_page(self) -> None:
        self._get("read:review page", "/relire/", self.cookie)

    @task(10)
    def datasets(self) -> None:
        self._get("read:datasets", "/jeux-de-donnees/", self.cookie)

    @task(20)
    def api_list(self) -> None:
        self._get("read:api list", "/api/v1/pairs/", self.token)

    @task(20)
    def api_pair(self) -> None:
        self._get("read:api pair", f"/api/v1/pairs/{self.rng.choice(PAIR_IDS)}/", self.token)

    # Votes: 25 tasks of two requests, 50 of 200.
    @task(25)
    def vote(self) -> None:
        with self.client.get(
            "/api/v1/review/next/", name="vote:next", headers=self.token, catch_response=True
        ) as response:
            if response.status_code != 200:
                if response.status_code in (204, 404):
                    response.success()  # nothing left to review for this volunteer
                return
            item = response.json()
        verdict = "approve" if self.rng.random() < 0.7 else "reject"
        body = {
            "pair": item["id"],
            "revision": item["revision"],
            "verdict": verdict,
            "reasons": [] if verdict == "approve" else ["incomplete"],
            "correctness": self.rng.randint(3, 5),
            "fluency": self.rng.randint(3, 5),
        }
        self.client.post("/api/v1/reviews/", json=body, name="vote:submit", headers=self.token)

    # New pairs: 30 of 200.
    @task(30)
    def new_pair(self) -> None:
        body = {
            "question": sentence(self.rng, 12) + f" ({time.time_ns() % 10**9}) ?",
            "answer": sentence(self.rng, 40) + ".",
            "task_type": "open_qa",
            "domain": self.rng.choice(["maths", "sciences", "french", "other"]),
            "declaration": True,
        }
        self.client.post("/api/v1/pairs/", json=body, name="new:pair", headers=self.token)
