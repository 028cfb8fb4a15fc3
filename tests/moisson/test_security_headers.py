"""The Content-Security-Policy header is built once per process, not twice per response (issue 14), and is
the one django-csp builds from the settings, including after the settings change."""

import pytest
from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from moisson.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def test_the_policy_is_the_one_django_csp_builds(client: Client):
    assert client.get("/guide/")["Content-Security-Policy"] == build_policy()


def test_the_policy_is_not_rebuilt_for_every_response(client: Client, monkeypatch):
    client.get("/guide/")  # the policy of this process is built by now
    built = []
    monkeypatch.setattr("csp.middleware.build_policy", lambda **kwargs: built.append(kwargs) or "")
    monkeypatch.setattr("csp.utils.build_policy", lambda **kwargs: built.append(kwargs) or "")

    for _ in range(3):
        assert "script-src 'self'" in client.get("/guide/")["Content-Security-Policy"]

    assert built == []


def test_a_changed_policy_setting_is_followed(client: Client, settings):
    client.get("/guide/")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    assert client.get("/guide/")["Content-Security-Policy"] == "default-src 'none'"


def answered(response: HttpResponse, request: HttpRequest | None = None) -> HttpResponse:
    request = request or RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda request: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)


def test_a_response_that_changes_its_policy_gets_django_csp_s_answer():
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://example.org"]}

    assert "img-src 'self' data: https://example.org" in answered(response)["Content-Security-Policy"]


@override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}})
def test_a_page_that_used_a_nonce_gets_it_in_its_policy():
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    nonce = str(request.csp_nonce)

    response = middleware.process_response(request, HttpResponse())

    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_an_exempt_response_gets_no_policy():
    response = HttpResponse()
    response._csp_exempt = True

    assert "Content-Security-Policy" not in answered(response)


@override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": ["'self'"]}})
def test_a_report_only_policy_is_sent_too():
    response = answered(HttpResponse())

    assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert response["Content-Security-Policy"] == build_policy()


def test_the_header_is_the_same_as_django_csp_s_own_middleware():
    request = RequestFactory().get("/")
    theirs = CSPMiddleware(lambda request: HttpResponse())
    theirs.process_request(request)

    expected = theirs.process_response(request, HttpResponse())["Content-Security-Policy"]

    assert answered(HttpResponse())["Content-Security-Policy"] == expected


def directives(policy: str) -> dict[str, list[str]]:
    """`"default-src 'self'; img-src 'self' data:"` as {"default-src": ["'self'"], "img-src": [...]}."""
    parts = (directive.split() for directive in policy.split(";") if directive.strip())
    return {name: sources for name, *sources in parts}


def test_pages_may_use_no_inline_style_nor_inline_script(client: Client):
    policy = directives(client.get("/guide/")["Content-Security-Policy"])

    assert policy["style-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]


def test_the_api_s_json_keeps_the_site_s_policy(client: Client):
    response = client.get("/api/v1/pairs/", HTTP_ACCEPT="application/json")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Security-Policy"] == build_policy()


def test_drf_s_browsable_api_pages_alone_may_use_inline_styles_but_not_scripts(client: Client):
    response = client.get("/api/v1/pairs/", HTTP_ACCEPT="text/html")

    policy = directives(response["Content-Security-Policy"])
    assert response["Content-Type"].startswith("text/html")
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
