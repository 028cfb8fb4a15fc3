"""Opening in waves (issue 14, item 3): sign-ups beyond the wave wait in line, moderators open the next
wave, invitation codes let a group in together, and waiting accounts can neither write nor review. A seat
goes only to an account whose e-mail address is confirmed."""

import re
import smtplib
from collections.abc import Callable
from typing import ClassVar

import kombu.exceptions
import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts import tasks, waves
from accounts.models import Invitation, SignupWave, User
from collect.models import Pair, Status
from tests.factories import make_pair, make_user, pair_text
from tests.fixtures import signup
from tests.fixtures.api import api_client
from tests.fixtures.signup import PASSWORD, confirm_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture
def waves_of_two(settings: Settings) -> None:
    settings.MOISSON_SIGNUP_WAVE_SIZE = 2


@pytest.fixture
def eager(settings: Settings) -> None:
    """Celery tasks run where they are queued: the e-mails of an opened wave are sent in the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def plain(text: str) -> str:
    """French typography puts no-break spaces before « : ! ? »: compare the words, not the spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def sign_up(username: str, *, invitation: str = "", confirm: bool = True) -> object:
    """Sign up on the site; then, unless `confirm` is False, confirm the address by the e-mail's link."""
    response = signup.sign_up(username, invitation=invitation)
    if confirm and response.status_code == 302:
        confirm_address(username)
    return response


def waiting_user(username: str) -> User:
    sign_up(username)
    user = User.objects.get(username=username)
    assert user.is_waiting
    return user


def test_without_the_setting_everyone_is_admitted_at_sign_up() -> None:
    for name in ("anne", "basile", "camille"):
        assert sign_up(name).status_code == 302

    assert not User.objects.filter(waiting_since__isnull=False).exists()
    assert not SignupWave.objects.exists()


def test_sign_ups_beyond_the_wave_wait_in_line(waves_of_two: None) -> None:
    for name in ("anne", "basile", "camille", "denis"):
        sign_up(name)

    admitted = User.objects.filter(wave__number=1).order_by("pk").values_list("username", flat=True)
    waiting = (
        User.objects.filter(waiting_since__isnull=False).order_by("pk").values_list("username", flat=True)
    )
    assert list(admitted) == ["anne", "basile"]
    assert sorted(waiting) == ["camille", "denis"]


def test_the_waiting_page_tells_the_place_in_line_in_french(waves_of_two: None) -> None:
    for name in ("anne", "basile", "camille"):
        sign_up(name)
    denis = waiting_user("denis")
    client = Client()
    client.force_login(denis)

    page = plain(client.get(reverse("accounts:waiting")).content.decode())

    assert "Vous êtes numéro 2 dans la file." in page
    assert "Chaque vague accueille 2 personnes." in page


def test_a_waiting_account_signing_in_lands_on_the_waiting_page(waves_of_two: None) -> None:
    make_user(username="anne", wave=None)
    sign_up("basile")
    sign_up("camille")
    user = waiting_user("denis")
    user.emailaddress_set.update(verified=True)

    response = Client().post(reverse("account_login"), {"login": "denis", "password": PASSWORD})

    assert response["Location"] == reverse("accounts:waiting")


def test_a_waiting_account_cannot_write_on_the_site(waves_of_two: None) -> None:
    sign_up("anne")
    sign_up("basile")
    user = waiting_user("camille")
    user.accept_terms()
    client = Client()
    client.force_login(user)

    page = client.get(reverse("collect:write"))
    submitted = client.post(
        reverse("collect:write"), pair_text() | {"accept_license": "on", "action": "submit"}
    )

    assert page.status_code == 302
    assert page["Location"] == reverse("accounts:waiting")
    assert submitted["Location"] == reverse("accounts:waiting")
    assert not Pair.objects.exists()


def test_a_waiting_account_cannot_review_on_the_site(waves_of_two: None) -> None:
    sign_up("anne")
    sign_up("basile")
    user = waiting_user("camille")
    user.accept_terms()
    make_pair(status=Status.PENDING)
    client = Client()
    client.force_login(user)

    response = client.get(reverse("review:next"))

    assert response["Location"] == reverse("accounts:waiting")


def test_a_waiting_account_cannot_write_nor_review_through_the_api(waves_of_two: None) -> None:
    sign_up("anne")
    sign_up("basile")
    user = waiting_user("camille")
    user.accept_terms()
    make_pair(status=Status.PENDING)
    api = api_client(user)

    written = api.post("/api/v1/pairs/", pair_text(), format="json")
    handed = api.get(reverse("api:review_api:next"))

    assert written.status_code == 403
    assert plain(written.json()["detail"]).startswith("Votre compte attend sa vague :")
    assert handed.status_code == 403
    assert not Pair.objects.filter(author=user).exists()


def test_a_moderator_opens_the_next_wave_from_the_site(
    waves_of_two: None, eager: None, moderator_client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    for name in ("anne", "basile", "camille", "denis", "emma"):
        sign_up(name)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(reverse("accounts:waves"), {"action": "open", "size": 2})

    assert response.status_code == 302
    wave = SignupWave.objects.get(number=2)
    assert wave.opened_by.username == "modo"
    assert wave.admitted_from_line == 2
    assert list(User.objects.filter(wave=wave).order_by("pk").values_list("username", flat=True)) == [
        "camille",
        "denis",
    ]
    assert User.objects.get(username="emma").is_waiting
    assert sorted(message.to[0] for message in mail.outbox) == ["camille@example.org", "denis@example.org"]
    assert "votre vague vient d’ouvrir" in plain(mail.outbox[0].body)


def test_the_waves_page_shows_the_line_and_the_history(waves_of_two: None, moderator_client: Client) -> None:
    for name in ("anne", "basile", "camille"):
        sign_up(name)

    page = plain(moderator_client.get(reverse("accounts:waves")).content.decode())

    assert "Vague 1 : 2 places prises sur 2." in page
    assert "1 personne attend." in page


def test_contributors_cannot_open_a_wave(waves_of_two: None, contributor_client: Client) -> None:
    response = contributor_client.post(reverse("accounts:waves"), {"action": "open", "size": 5})

    assert response.status_code == 403
    assert not SignupWave.objects.exists()


def test_visitors_are_sent_to_the_login_page_from_the_waves_page(client: Client) -> None:
    response = client.get(reverse("accounts:waves"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_moderator_creates_an_invitation_code_for_a_class(moderator_client: Client) -> None:
    response = moderator_client.post(
        reverse("accounts:waves"), {"action": "invite", "label": "4e B, collège Jean-Moulin", "max_uses": 30}
    )

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert invitation.max_uses == 30
    assert invitation.created_by.username == "modo"
    assert len(invitation.code) == waves.CODE_LENGTH


def test_an_invitation_code_skips_the_line_until_its_uses_run_out(
    waves_of_two: None, moderator: User
) -> None:
    sign_up("anne")
    sign_up("basile")
    invitation = waves.create_invitation(by=moderator, label="Club de lecture", max_uses=2)
    code = waves.display_code(invitation.code).lower()  # as a pupil might type it

    sign_up("camille", invitation=code)
    sign_up("denis", invitation=code)
    refused = sign_up("emma", invitation=code)

    invitation.refresh_from_db()
    assert invitation.uses == 2
    assert not User.objects.get(username="camille").is_waiting
    assert User.objects.get(username="denis").invitation == invitation
    assert refused.status_code == 200
    assert "toutes ses places sont prises" in refused.content.decode()
    assert not User.objects.filter(username="emma").exists()


def test_a_waiting_account_joins_with_a_code_from_the_waiting_page(
    waves_of_two: None, moderator: User
) -> None:
    sign_up("anne")
    sign_up("basile")
    user = waiting_user("camille")
    invitation = waves.create_invitation(by=moderator, label="Association", max_uses=1)
    client = Client()
    client.force_login(user)

    response = client.post(reverse("accounts:waiting"), {"code": invitation.code})

    user.refresh_from_db()
    assert response.status_code == 302
    assert not user.is_waiting
    assert user.invitation == invitation


def test_the_last_use_of_a_code_goes_to_one_person_only(moderator: User) -> None:
    invitation = waves.create_invitation(by=moderator, label="Atelier", max_uses=1)
    first, second = make_user(), make_user()

    waves.use_invitation(user=first, code=invitation.code)
    with pytest.raises(waves.InvitationRefused):
        waves.use_invitation(user=second, code=invitation.code)

    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_seats_left_in_an_opened_wave_go_to_the_next_sign_ups(waves_of_two: None, moderator: User) -> None:
    sign_up("anne")
    sign_up("basile")
    waiting_user("camille")
    waves.open_next_wave(by=moderator, size=2)  # camille and one free seat

    sign_up("denis")
    sign_up("emma")

    assert User.objects.get(username="denis").wave.number == 2
    assert User.objects.get(username="emma").is_waiting


def test_the_admin_lists_waves_and_invitations_but_cannot_make_them(moderator: User) -> None:
    waves.create_invitation(by=moderator, label="Atelier", max_uses=3)
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    listed = client.get("/admin/accounts/invitation/")
    added = client.get("/admin/accounts/signupwave/add/")

    assert listed.status_code == 200
    assert "Atelier" in listed.content.decode()
    assert added.status_code == 403


def test_an_address_never_confirmed_takes_no_seat(waves_of_two: None, moderator_client: Client) -> None:
    for name in ("robot1", "robot2", "robot3"):
        sign_up(name, confirm=False)
    sign_up("anne")

    assert User.objects.get(username="anne").wave.number == 1
    assert list(User.objects.filter(wave__number=1).values_list("username", flat=True)) == ["anne"]
    assert all(User.objects.get(username=name).is_waiting for name in ("robot1", "robot2", "robot3"))
    assert waves.waiting_count() == 0
    page = plain(moderator_client.get(reverse("accounts:waves")).content.decode())
    assert "Vague 1 : 1 place prise sur 2." in page
    assert "0 personne attend." in page
    assert "3 autres comptes n’ont pas encore confirmé leur adresse e-mail" in page


def test_an_account_takes_its_seat_as_it_confirms_its_address(waves_of_two: None) -> None:
    browser = Client()
    browser.post(
        reverse("account_signup"),
        {"email": "anne@example.org", "username": "anne", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.get(username="anne").wave is None

    confirmed = confirm_address("anne", browser)

    user = User.objects.get(username="anne")
    assert user.wave.number == 1
    assert not user.is_waiting
    # Signed in by the confirmation, as allauth does from the browser that signed up: on to the terms.
    assert confirmed["Location"] == reverse("accounts:terms")
    assert browser.get(reverse("accounts:terms")).status_code == 200


def test_an_account_confirming_its_address_in_a_full_wave_waits_and_is_told_its_place(
    waves_of_two: None,
) -> None:
    sign_up("anne")
    sign_up("basile")
    browser = Client()
    browser.post(
        reverse("account_signup"),
        {"email": "camille@example.org", "username": "camille", "password1": PASSWORD, "password2": PASSWORD},
    )

    confirmed = confirm_address("camille", browser)
    page = browser.get(confirmed["Location"])

    assert User.objects.get(username="camille").is_waiting
    assert confirmed["Location"] == reverse("accounts:waiting")
    assert "Vous êtes numéro 1 dans la file." in plain(page.content.decode())
    assert "Vous êtes numéro 1 dans la file." in plain(page.content.decode())


def test_a_new_wave_admits_confirmed_accounts_only_and_the_others_keep_their_place(
    waves_of_two: None, eager: None, moderator: User, django_capture_on_commit_callbacks: Callable
) -> None:
    sign_up("anne")
    sign_up("basile")
    sign_up("camille", confirm=False)  # in line before denis and emma, address not confirmed
    sign_up("denis")
    sign_up("emma")
    sent_before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        wave = waves.open_next_wave(by=moderator, size=1)

    assert list(User.objects.filter(wave=wave).values_list("username", flat=True)) == ["denis"]
    assert [message.to for message in mail.outbox[sent_before:]] == [["denis@example.org"]]
    # Camille confirms once the new wave is full: she waits, first in line, ahead of emma.
    confirm_address("camille")
    camille, emma = User.objects.get(username="camille"), User.objects.get(username="emma")
    assert camille.is_waiting
    assert waves.place_in_line(camille) == 1
    assert waves.place_in_line(emma) == 2
    with django_capture_on_commit_callbacks(execute=True):
        waves.open_next_wave(by=moderator, size=1)
    assert User.objects.get(username="camille").wave.number == 3
    assert User.objects.get(username="emma").is_waiting


def test_an_address_confirmed_in_the_admin_takes_a_seat_too(waves_of_two: None) -> None:
    sign_up("anne", confirm=False)
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    address = User.objects.get(username="anne").emailaddress_set.get()
    assert User.objects.get(username="anne").wave is None

    client.post(
        "/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [address.pk]},
    )

    assert User.objects.get(username="anne").wave.number == 1


def test_an_address_confirmed_after_waves_were_switched_off_starts_at_once(settings: Settings) -> None:
    settings.MOISSON_SIGNUP_WAVE_SIZE = 1
    sign_up("anne")
    sign_up("basile", confirm=False)
    settings.MOISSON_SIGNUP_WAVE_SIZE = 0

    confirm_address("basile")

    assert not User.objects.get(username="basile").is_waiting


def test_a_confirmation_read_before_a_wave_admitted_the_account_leaves_its_seat_alone(
    waves_of_two: None, moderator: User
) -> None:
    sign_up("anne")
    sign_up("basile")
    sign_up("camille")
    read_before = User.objects.get(username="camille")  # as allauth read it, still in line
    waves.open_next_wave(by=moderator, size=1)  # camille is admitted: wave 2 is full

    waves.address_confirmed(user=read_before)  # a confirmation (a second address, say) handled late

    camille = User.objects.get(username="camille")
    assert camille.wave.number == 2
    assert not camille.is_waiting


def test_an_invitation_is_spent_when_the_address_is_confirmed(waves_of_two: None, moderator: User) -> None:
    invitation = waves.create_invitation(by=moderator, label="4e B", max_uses=30)

    sign_up("anne", invitation=invitation.code, confirm=False)
    invitation.refresh_from_db()
    assert invitation.uses == 0

    confirm_address("anne")

    invitation.refresh_from_db()
    anne = User.objects.get(username="anne")
    assert invitation.uses == 1
    assert anne.invitation == invitation
    assert not anne.is_waiting
    assert anne.wave is None  # the code let her in: no seat of the wave taken


def test_a_pupil_who_mistyped_their_address_holds_no_use_of_the_class_code(moderator: User) -> None:
    invitation = waves.create_invitation(by=moderator, label="Club de lecture", max_uses=2)

    sign_up("anne-typo", invitation=invitation.code, confirm=False)  # never confirmed
    sign_up("anne", invitation=invitation.code)
    sign_up("basile", invitation=invitation.code)

    invitation.refresh_from_db()
    assert invitation.uses == 2
    assert sorted(User.objects.filter(invitation=invitation).values_list("username", flat=True)) == [
        "anne",
        "anne-typo",  # holds it only as the code it signed up with, unspent
        "basile",
    ]
    assert not User.objects.get(username="basile").is_waiting


def test_a_code_used_up_before_the_address_is_confirmed_leaves_the_account_its_place(
    waves_of_two: None, moderator: User
) -> None:
    sign_up("anne")
    sign_up("basile")
    invitation = waves.create_invitation(by=moderator, label="Atelier", max_uses=1)
    sign_up("camille", invitation=invitation.code, confirm=False)
    sign_up("denis", invitation=invitation.code)  # confirms first: the last use is his

    confirm_address("camille")

    camille = User.objects.get(username="camille")
    assert User.objects.get(username="denis").invitation == invitation
    assert camille.is_waiting
    assert camille.invitation is None
    assert waves.place_in_line(camille) == 1


def test_without_waves_a_code_is_recorded_when_the_address_is_confirmed(moderator: User) -> None:
    invitation = waves.create_invitation(by=moderator, label="Association", max_uses=5)

    sign_up("anne", invitation=invitation.code)

    invitation.refresh_from_db()
    assert invitation.uses == 1
    assert not User.objects.get(username="anne").is_waiting


def in_line(count: int) -> list[User]:
    """`count` confirmed accounts waiting in line (the wave before them full)."""
    people = [make_user(accepted=False, email_verified=True) for _ in range(count)]
    for user in people:
        waves.place_new_account(user=user)
    return people


def test_opening_a_wave_leaves_its_e_mails_to_the_worker_by_batches(
    waves_of_two: None,
    moderator_client: Client,
    django_capture_on_commit_callbacks: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_line(2 + 5)  # two seats in wave 1, five in line
    monkeypatch.setattr(waves, "WAVE_EMAILS_PER_TASK", 2)
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.send_wave_opened_emails, "delay", queued.append)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(reverse("accounts:waves"), {"action": "open", "size": 5})

    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent from the moderator's request
    assert [len(batch) for batch in queued] == [2, 2, 1]
    admitted = set(User.objects.filter(wave__number=2).values_list("pk", flat=True))
    assert {pk for batch in queued for pk in batch} == admitted


def test_a_wave_of_many_e_mails_everyone_once_through_the_tasks(
    waves_of_two: None,
    eager: None,
    moderator: User,
    django_capture_on_commit_callbacks: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = in_line(2 + 7)
    monkeypatch.setattr(waves, "WAVE_EMAILS_PER_TASK", 3)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        waves.open_next_wave(by=moderator, size=7)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in people[2:])


class MailServerDownOnce(locmem.EmailBackend):
    """The test outbox, behind a mail server that drops the first connection of the test."""

    failures: ClassVar[list[bool]] = []

    def send_messages(self, messages: list) -> int:
        if not MailServerDownOnce.failures:
            MailServerDownOnce.failures.append(True)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_a_mail_server_that_fails_is_tried_again(
    waves_of_two: None,
    eager: None,
    settings: Settings,
    moderator: User,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    people = in_line(2 + 2)
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDownOnce"
    MailServerDownOnce.failures.clear()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        waves.open_next_wave(by=moderator, size=2)

    assert MailServerDownOnce.failures == [True]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in people[2:])


def test_with_the_broker_down_the_e_mails_leave_from_the_request(
    waves_of_two: None,
    moderator: User,
    django_capture_on_commit_callbacks: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = in_line(2 + 2)

    def broker_down(batch: list[int]) -> None:
        raise kombu.exceptions.OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.send_wave_opened_emails, "delay", broker_down)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        waves.open_next_wave(by=moderator, size=2)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in people[2:])


def test_a_second_click_opens_no_second_wave(
    waves_of_two: None, eager: None, moderator_client: Client
) -> None:
    in_line(2 + 6)
    page = moderator_client.get(reverse("accounts:waves")).content.decode()
    after = re.search(r'name="after" value="(\d+)"', page).group(1)
    click = {"action": "open", "size": 2, "after": after}

    moderator_client.post(reverse("accounts:waves"), click)
    second = moderator_client.post(reverse("accounts:waves"), click, follow=True)

    assert list(SignupWave.objects.values_list("number", flat=True)) == [2, 1]
    assert User.objects.filter(wave__number=2).count() == 2
    assert "La vague 2 vient d’être ouverte : aucune autre vague n’a été ouverte." in plain(
        second.content.decode()
    )


def test_a_moderator_closes_a_code_that_went_too_far(
    waves_of_two: None, moderator: User, moderator_client: Client
) -> None:
    sign_up("anne")
    sign_up("basile")
    invitation = waves.create_invitation(by=moderator, label="4e B", max_uses=30)
    sign_up("camille", invitation=invitation.code)  # let in before the code is closed
    sign_up("denis", invitation=invitation.code, confirm=False)  # signed up before, confirms after

    response = moderator_client.post(
        reverse("accounts:waves"), {"action": "close", "invitation": invitation.pk}, follow=True
    )

    invitation.refresh_from_db()
    page = plain(response.content.decode())
    assert invitation.closed_by == moderator
    assert (
        f"Le code {waves.display_code(invitation.code)} est fermé : personne ne peut plus l’utiliser." in page
    )
    assert "Fermé le" in page
    refused = sign_up("emma", invitation=invitation.code)
    assert refused.status_code == 200
    assert "toutes ses places sont prises" in refused.content.decode()
    confirm_address("denis")
    denis = User.objects.get(username="denis")
    assert denis.is_waiting
    assert denis.invitation is None
    assert invitation.uses == 1
    assert not User.objects.get(username="camille").is_waiting  # those it let in stay


def test_a_closed_code_is_refused_on_the_waiting_page(waves_of_two: None, moderator: User) -> None:
    sign_up("anne")
    sign_up("basile")
    user = waiting_user("camille")
    invitation = waves.create_invitation(by=moderator, label="Association", max_uses=5)
    waves.close_invitation(by=moderator, invitation=invitation)
    client = Client()
    client.force_login(user)

    response = client.post(reverse("accounts:waiting"), {"code": invitation.code})

    assert response.status_code == 200
    assert User.objects.get(username="camille").is_waiting


def test_only_moderators_close_a_code(moderator: User, contributor_client: Client) -> None:
    invitation = waves.create_invitation(by=moderator, label="Atelier", max_uses=3)

    refused = contributor_client.post(
        reverse("accounts:waves"), {"action": "close", "invitation": invitation.pk}
    )

    invitation.refresh_from_db()
    assert refused.status_code == 403
    assert invitation.closed_at is None


def test_closing_a_code_that_does_not_exist_is_a_404(moderator_client: Client) -> None:
    for chosen in ("123456", "abc", ""):
        response = moderator_client.post(reverse("accounts:waves"), {"action": "close", "invitation": chosen})
        assert response.status_code == 404
