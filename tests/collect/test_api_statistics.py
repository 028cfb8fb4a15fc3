import datetime
import zoneinfo

import pytest
from django.urls import reverse

from collect.models import Domain, Level, Pair, Status, TaskType
from tests.factories import make_pair

pytestmark = pytest.mark.django_db

STATS_URL = reverse("api:collect_api:stats")


def test_statistics_count_pairs_per_state_without_drafts(anonymous_api):
    make_pair(status=Status.DRAFT)
    make_pair(status=Status.PENDING)
    make_pair(status=Status.PENDING)
    make_pair(status=Status.VALIDATED)
    body = anonymous_api.get(STATS_URL).json()
    assert body["total"] == 3
    assert body["by_status"]["pending"] == 2
    assert body["by_status"]["validated"] == 1
    assert body["by_status"]["removed"] == 0
    assert "draft" not in body["by_status"]


def test_statistics_count_validated_pairs_per_task_type_domain_and_level(anonymous_api):
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.COMPUTING, level=Level.HIGH_SCHOOL
    )
    make_pair(status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.MATHS, level="")
    make_pair(status=Status.PENDING, task_type=TaskType.CODE, domain=Domain.MATHS)
    body = anonymous_api.get(STATS_URL).json()
    assert body["by_task_type"]["code"] == 2
    assert body["by_domain"] == {value: 0 for value in Domain.values} | {"computing": 1, "maths": 1}
    assert (body["by_level"]["lycee"], body["by_level"]["unspecified"]) == (1, 1)


def test_statistics_count_submissions_and_validations_per_week(anonymous_api):
    monday = datetime.datetime(2025, 3, 3, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    for days in (0, 2, 9):
        pair = make_pair(status=Status.PENDING)
        Pair.objects.filter(pk=pair.pk).update(submitted_at=monday + datetime.timedelta(days=days))
    validated = make_pair(status=Status.VALIDATED)
    Pair.objects.filter(pk=validated.pk).update(submitted_at=monday, validated_at=monday)
    weeks = anonymous_api.get(STATS_URL).json()["per_week"]
    assert weeks == [
        {"week": "2025-03-03", "submitted": 3, "validated": 1},
        {"week": "2025-03-10", "submitted": 1, "validated": 0},
    ]
