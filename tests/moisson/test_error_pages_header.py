"""The pages that answer without knowing who is reading (the 500, the overload's 503 and the 503 of a lost
database) show a neutral header: the site's name and the guide, never "Log in" nor an account link, which
would make a signed-in volunteer think they had been signed out and had lost their work. Rendered without
the request, they have no CSRF token either: they offer no form that Django would refuse ("Page expirée")."""

import re
from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from moisson.errors import server_error
from tests.fixtures.errors import crash_with

# Where the header of the other pages sends a visitor to sign in, and a signed-in person to their account.
ACCOUNT_PATHS = [
    "account_login",
    "account_signup",
    "account_logout",
    "accounts:profile",
    "collect:mine",
    "review:dashboard",
]
ACCOUNT_WORDS = ["Se connecter", "Créer un compte", "Se déconnecter", "Mon compte", "Log in", "My account"]


@pytest.fixture
def crash(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    """`crash(exception)`: the statistics page raises it from now on."""
    return lambda exception: monkeypatch.setattr("collect.views.site_statistics", crash_with(exception))


@pytest.fixture(params=["signed out", "signed in"])
def someone(request: pytest.FixtureRequest, db: None) -> Client:
    if request.param == "signed out":
        return Client(raise_request_exception=False)
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue("contributor"))
    return client


def assert_neutral_header(page: str) -> None:
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert f'href="{reverse("collect:home")}"' in header
    assert f'href="{reverse("collect:guide")}"' in header
    assert [path for path in ACCOUNT_PATHS if f'href="{reverse(path)}"' in page] == []
    assert [path for path in ACCOUNT_PATHS if f'action="{reverse(path)}"' in page] == []
    assert [word for word in ACCOUNT_WORDS if word in page] == []


def test_the_500_page_has_no_sign_in_nor_account_link(someone: Client, crash) -> None:
    crash(RuntimeError("an unexpected bug"))

    response = someone.get(reverse("collect:statistics"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 500
    assert_neutral_header(response.content.decode())


def test_the_overload_503_page_has_no_sign_in_nor_account_link(someone: Client, server_full: None) -> None:
    response = someone.get(reverse("collect:guide"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 503
    assert_neutral_header(response.content.decode())


def test_the_503_page_of_a_lost_database_has_no_sign_in_nor_account_link(someone: Client, crash) -> None:
    crash(OperationalError("server closed the connection unexpectedly"))

    response = someone.get(reverse("collect:statistics"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 503
    assert_neutral_header(response.content.decode())


def test_the_500_page_s_header_is_in_the_reader_s_language(crash) -> None:
    crash(RuntimeError("an unexpected bug"))

    page = Client(raise_request_exception=False).get("/statistiques/", HTTP_ACCEPT_LANGUAGE="en").content
    header = page.decode().split("<header", 1)[1].split("</header>", 1)[0]

    assert ">Guide<" in header
    assert "Skip to content" in page.decode()


def test_the_500_page_is_rendered_without_the_database() -> None:
    # No django_db mark: pytest-django makes any query here an error.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert_neutral_header(response.content.decode())


def unsendable_forms(page: str) -> list[str]:
    """The opening tags of the page's POST forms without a CSRF token, which Django refuses with a 403."""
    forms = re.findall(r"<form\b.*?</form>", page, re.DOTALL)
    return [
        form.split(">", 1)[0] + ">"
        for form in forms
        if 'method="post"' in form.split(">", 1)[0]
        and not re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', form)
    ]


def test_the_500_page_offers_no_form_that_cannot_be_sent(someone: Client, crash) -> None:
    crash(RuntimeError("an unexpected bug"))

    page = someone.get(reverse("collect:statistics"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert unsendable_forms(page) == []


def test_the_overload_503_page_offers_no_form_that_cannot_be_sent(someone: Client, server_full: None) -> None:
    page = someone.get(reverse("collect:guide"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert unsendable_forms(page) == []


def test_the_503_page_of_a_lost_database_offers_no_form_that_cannot_be_sent(someone: Client, crash) -> None:
    crash(OperationalError("server closed the connection unexpectedly"))

    page = someone.get(reverse("collect:statistics"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert unsendable_forms(page) == []


@pytest.mark.django_db
@pytest.mark.urls("tests.moisson.database_error_urls")
def test_the_503_page_of_a_lost_database_sends_a_form_again_with_the_token_it_was_sent_with() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("collect:guide"))
    token = client.cookies["csrftoken"].value

    sent = {"comment": "Très bien", "csrfmiddlewaretoken": token}
    page = client.post("/test-base-perdue/", sent).content.decode()

    assert '<form method="post" action="/test-base-perdue/">' in page
    assert unsendable_forms(page) == []


@pytest.mark.django_db
def test_an_ordinary_page_still_offers_the_language_form_and_it_changes_the_language() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("collect:guide")).content.decode()
    form = page.split(f'<form action="{reverse("set_language")}"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": reverse("collect:guide"), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert 'lang="en"' in client.get(response.url).content.decode()
