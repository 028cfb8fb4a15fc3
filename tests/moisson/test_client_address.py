"""Throttles and lockouts key on the real client address: a forged X-Forwarded-For buys nothing (issue 13)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from moisson.network import client_ip

TOKEN_URL = "/api/v1/auth/token/"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings: Settings) -> None:
    settings.NUM_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_ip(request) == "198.51.100.1"


def test_behind_one_proxy_the_client_is_the_last_forwarded_address(settings: Settings) -> None:
    settings.NUM_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1"
    )

    assert client_ip(request) == "198.51.100.1"


def test_behind_one_proxy_a_request_without_the_header_keeps_the_peer_address(settings: Settings) -> None:
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")

    assert client_ip(request) == "10.0.0.2"


@pytest.mark.django_db
def test_a_forged_forwarded_address_does_not_buy_a_fresh_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "3/minute")
    client = APIClient()

    statuses = [
        client.post(
            TOKEN_URL,
            {"username": f"personne{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(5)
    ]

    assert statuses == [400, 400, 400, 429, 429]


@pytest.mark.django_db
def test_forged_addresses_do_not_buy_fresh_live_checks(
    contributor_client: Client, settings: Settings
) -> None:
    settings.LIVE_CHECK_THROTTLE = "2/minute"
    url = reverse("collect:live_check")

    responses = [
        contributor_client.post(url, {"question": "Bonjour ?"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(3)
    ]

    assert [response.status_code for response in responses] == [200, 200, 429]


def test_drf_allauth_axes_and_moisson_agree_on_the_client_behind_a_proxy() -> None:
    # NUM_PROXIES is read once, at start: a fresh process with it set, as a deployment would run.
    code = """
import django; django.setup()
from allauth.core.internal.httpkit import get_client_ip
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from rest_framework.throttling import AnonRateThrottle
from moisson.network import client_ip
request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
print(AnonRateThrottle().get_ident(request), get_client_ip(request), get_client_ip_address(request),
      client_ip(request))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ | {"NUM_PROXIES": "1", "DJANGO_SETTINGS_MODULE": "moisson.settings"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["198.51.100.1"] * 4
