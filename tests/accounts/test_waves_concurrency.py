"""Sign-ups at a wave's last seats, pupils on an invitation's last uses: all at once (PostgreSQL)."""

import pytest
from django.db import connection
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
    people = [make_user(accepted=False) for _ in range(10)]

    results = run_together([lambda user=user: waves.place_new_account(user=user) for user in people])

    assert [result for result in results if isinstance(result, Exception)] == []
    assert User.objects.filter(wave__number=1).count() == 3
    assert User.objects.filter(waiting_since__isnull=False).count() == 7


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
