"""Sign-ups and confirmations at a wave's last seats, a wave opened as addresses are confirmed, pupils on an
invitation's last uses: all at once (PostgreSQL)."""

import threading
import time

import pytest
from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.test import override_settings

from accounts import waves
from accounts.models import User
from tests.factories import make_moderator, make_user
from tests.threads import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writes, so nothing races",
    ),
    pytest.mark.django_db(transaction=True),
]


@override_settings(MOISSON_SIGNUP_WAVE_SIZE=3)
def test_concurrent_sign_ups_never_overfill_a_wave() -> None:
    people = [make_user(accepted=False, email_verified=True) for _ in range(10)]

    results = run_together([lambda user=user: waves.place_new_account(user=user) for user in people])

    assert [result for result in results if isinstance(result, Exception)] == []
    assert User.objects.filter(wave__number=1).count() == 3
    assert User.objects.filter(waiting_since__isnull=False).count() == 7


@override_settings(MOISSON_SIGNUP_WAVE_SIZE=3)
def test_concurrent_confirmations_never_overfill_a_wave() -> None:
    people = [make_user(accepted=False) for _ in range(10)]
    for user in people:
        waves.place_new_account(user=user)  # in line, no seat: their addresses are not confirmed
    assert not User.objects.filter(wave__isnull=False).exists()
    for user in people:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    results = run_together([lambda user=user: waves.address_confirmed(user=user) for user in people])

    assert [result for result in results if isinstance(result, Exception)] == []
    assert User.objects.filter(wave__number=1).count() == 3
    assert User.objects.filter(waiting_since__isnull=False).count() == 7


@override_settings(MOISSON_SIGNUP_WAVE_SIZE=3)
def test_an_address_confirmed_while_a_wave_opens_takes_a_seat_left_in_the_new_wave() -> None:
    moderator = make_moderator()
    for _ in range(3):
        waves.place_new_account(user=make_user(accepted=False, email_verified=True))  # wave 1 is full
    first = make_user(accepted=False, email_verified=True)
    late = make_user(accepted=False)  # in line behind `first`, its address not confirmed yet
    for user in (first, late):
        waves.place_new_account(user=user)
    opened = threading.Event()

    def open_wave() -> None:
        with transaction.atomic():
            waves.open_next_wave(by=moderator, size=2)  # admits `first`; one seat is left
            opened.set()
            time.sleep(0.5)  # the confirmation below waits for this transaction's lock meanwhile

    def confirm() -> None:
        opened.wait(10)
        EmailAddress.objects.create(user=late, email=late.email, verified=True, primary=True)
        waves.address_confirmed(user=late)

    results = run_together([open_wave, confirm])

    assert results == [None, None]
    assert User.objects.get(pk=first.pk).wave.number == 2
    # Its confirmation waited for the new wave's opening: it takes the seat left there, not a place in line
    # behind a full wave 1.
    late.refresh_from_db()
    assert late.wave.number == 2
    assert not late.is_waiting


def test_the_last_uses_of_a_code_go_to_as_many_people_as_it_allows() -> None:
    invitation = waves.create_invitation(by=make_moderator(), label="Classe", max_uses=4)
    pupils = [make_user(accepted=False) for _ in range(12)]

    code = invitation.code
    results = run_together([lambda user=user: waves.use_invitation(user=user, code=code) for user in pupils])

    invitation.refresh_from_db()
    assert invitation.uses == 4
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 8
    assert all(isinstance(result, waves.InvitationRefused) for result in refused)
    assert User.objects.filter(invitation=invitation).count() == 4


def test_pupils_confirming_at_once_spend_no_more_uses_than_the_code_has() -> None:
    invitation = waves.create_invitation(by=make_moderator(), label="Classe", max_uses=4)
    pupils = [make_user(accepted=False) for _ in range(12)]
    for user in pupils:
        waves.place_new_account(user=user, invitation_code=invitation.code)  # addresses not confirmed yet
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    results = run_together([lambda user=user: waves.address_confirmed(user=user) for user in pupils])

    assert [result for result in results if isinstance(result, Exception)] == []
    invitation.refresh_from_db()
    assert invitation.uses == 4
    assert User.objects.filter(invitation=invitation).count() == 4
    # Sign-ups are not in waves here: the other eight start all the same, without the code.
    assert not User.objects.filter(waiting_since__isnull=False).exists()


@override_settings(MOISSON_SIGNUP_WAVE_SIZE=2)
def test_two_moderators_opening_the_next_wave_at_once_open_one() -> None:
    moderators = [make_moderator(), make_moderator()]
    people = [make_user(accepted=False, email_verified=True) for _ in range(8)]
    for user in people:
        waves.place_new_account(user=user)

    results = run_together([lambda by=by: waves.open_next_wave(by=by, size=3, after=1) for by in moderators])

    assert sorted(type(result).__name__ for result in results) == ["SignupWave", "WaveAlreadyOpened"]
    assert User.objects.filter(wave__number=2).count() == 3
    assert not User.objects.filter(wave__number=3).exists()
