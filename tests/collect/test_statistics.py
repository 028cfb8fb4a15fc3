import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from collect import statistics, tasks
from collect.coverage import most_needed
from collect.models import Domain, Level, Pair, Status, TaskType
from collect.services import save_draft
from collect.statistics import site_statistics
from review.models import Verdict
from tests.factories import make_pair, make_user, make_validated_pairs, pair_text, vote

pytestmark = pytest.mark.django_db

STATISTICS_URL = reverse("collect:statistics")


@pytest.fixture
def eager(settings: Settings) -> None:
    """Celery tasks run where they are queued: the refresh of the figures happens in the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def shared_cache(settings: Settings, tmp_path: Path) -> None:
    """A cache every process reads, as Redis in production: the worker refreshes the figures."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture
def local_cache(settings: Settings) -> None:
    """A cache of this process only, as in the embedded default (CI runs the suite with Redis too)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def with_votes(pair: Pair, *, approvals: int, rejections: int) -> Pair:
    Pair.objects.filter(pk=pair.pk).update(
        approvals=approvals, rejections=rejections, review_count=approvals + rejections
    )
    return pair


# The figures.


def test_figures_count_submitted_pairs_by_state_type_domain_and_level() -> None:
    make_pair(status=Status.DRAFT)
    make_pair(status=Status.PENDING, domain=Domain.MATHS)
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.COMPUTING, level=Level.HIGH_SCHOOL
    )
    make_pair(status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.MATHS)
    make_pair(status=Status.REJECTED)

    figures = site_statistics()

    assert figures["total"] == 4
    assert (figures["by_status"]["validated"], figures["by_status"]["pending"]) == (2, 1)
    assert "draft" not in figures["by_status"]
    assert figures["by_task_type"]["code"] == 2
    assert (figures["by_domain"]["maths"], figures["by_domain"]["computing"]) == (1, 1)
    assert (figures["by_level"]["lycee"], figures["by_level"]["unspecified"]) == (1, 1)


def test_contributors_are_the_people_who_submitted_a_pair() -> None:
    alice, bruno = make_user(), make_user()
    make_pair(author=alice)
    make_pair(author=alice, status=Status.VALIDATED)
    make_pair(author=bruno, status=Status.DRAFT)

    assert site_statistics()["contributors"] == 1


def test_agreement_is_the_share_of_unanimous_reviewed_pairs_and_the_pairwise_agreement() -> None:
    with_votes(make_pair(status=Status.VALIDATED), approvals=3, rejections=0)
    with_votes(make_pair(status=Status.REJECTED), approvals=0, rejections=2)
    with_votes(make_pair(status=Status.DISPUTED), approvals=2, rejections=2)
    with_votes(make_pair(status=Status.PENDING), approvals=1, rejections=1)  # still in review: not counted

    agreement = site_statistics()["agreement"]

    assert (agreement["reviewed"], agreement["unanimous"]) == (3, 2)
    assert agreement["unanimous_share"] == pytest.approx(2 / 3)
    # Ordered couples of reviewers who agree: 3·2 + 2·1 + (2·1 + 2·1) = 12, out of 3·2 + 2·1 + 4·3 = 20.
    assert agreement["pairwise"] == pytest.approx(12 / 20)


def test_agreement_is_unknown_before_any_review() -> None:
    make_pair(status=Status.PENDING)

    agreement = site_statistics()["agreement"]

    assert (agreement["unanimous_share"], agreement["pairwise"]) == (None, None)


def test_top_contributors_name_only_people_who_opted_in_by_pseudonym() -> None:
    credited = make_user(pseudonym="Camille", attribution_opt_in=True)
    shy = make_user(pseudonym="Discret", attribution_opt_in=False)
    make_validated_pairs(2, author=credited)
    make_validated_pairs(3, author=shy)
    make_pair(author=credited, status=Status.PENDING)

    assert site_statistics()["top_contributors"] == [{"pseudonym": "Camille", "validated": 2}]


def test_goal_progress_is_the_share_of_the_collection_goal_validated(settings: Settings) -> None:
    settings.MOISSON_COLLECTION_GOAL = 8
    for _ in range(2):
        make_pair(status=Status.VALIDATED)

    assert site_statistics()["goal"] == {"target": 8, "validated": 2, "share": 0.25}


# The cache.


def test_the_second_call_reads_the_cache_without_any_query(django_assert_num_queries: Callable) -> None:
    make_pair(status=Status.VALIDATED)
    first = site_statistics()

    with django_assert_num_queries(0):
        second = site_statistics()

    assert second == first


def test_a_validation_refreshes_the_figures_in_the_worker(
    shared_cache: None, eager: None, django_capture_on_commit_callbacks: Callable
) -> None:
    pair = make_pair(status=Status.PENDING)
    assert site_statistics()["by_status"]["validated"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        vote(pair)
        vote(pair)

    assert Pair.objects.get(pk=pair.pk).status == Status.VALIDATED
    assert site_statistics()["by_status"]["validated"] == 1


def test_a_vote_that_decides_nothing_queues_no_refresh(
    shared_cache: None, django_capture_on_commit_callbacks: Callable
) -> None:
    pair = make_pair(status=Status.PENDING)
    site_statistics()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        vote(pair, verdict=Verdict.APPROVE)

    assert callbacks == []


def test_saving_a_draft_queues_no_refresh(
    shared_cache: None, django_capture_on_commit_callbacks: Callable
) -> None:
    author = make_user()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save_draft(author=author, data=pair_text())

    assert callbacks == []


def test_a_burst_of_changes_queues_one_refresh(
    shared_cache: None, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):
            make_pair(status=Status.PENDING)

    assert len(callbacks) == 1


def test_a_slow_count_is_not_repeated_more_than_a_quarter_of_the_time(
    shared_cache: None, django_capture_on_commit_callbacks: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = []
    monkeypatch.setattr(tasks.refresh_statistics, "apply_async", lambda **options: queued.append(options))
    cache.set(statistics.DURATION_KEY, 4.0)

    with django_capture_on_commit_callbacks(execute=True):
        make_pair(status=Status.PENDING)

    assert queued == [{"countdown": 12.0}]


def test_a_broker_that_is_down_does_not_turn_a_change_into_an_error(
    shared_cache: None, django_capture_on_commit_callbacks: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.refresh_statistics, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        make_pair(status=Status.PENDING)

    assert cache.get(statistics.REFRESH_QUEUED_KEY) is None  # the next old figures queue it again


def test_old_figures_are_served_while_a_refresh_is_queued(
    shared_cache: None, django_capture_on_commit_callbacks: Callable, django_assert_num_queries: Callable
) -> None:
    figures = site_statistics()
    cache.set(statistics.CACHE_KEY, figures | {"computed_at": timezone.now() - datetime.timedelta(hours=1)})

    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_num_queries(0):
        served = site_statistics()

    assert served["total"] == figures["total"]
    assert len(callbacks) == 1


def test_with_a_cache_local_to_the_process_a_validation_drops_the_figures(
    local_cache: None, django_capture_on_commit_callbacks: Callable
) -> None:
    pair = make_pair(status=Status.PENDING)
    assert site_statistics()["by_status"]["validated"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        vote(pair)
        vote(pair)

    assert site_statistics()["by_status"]["validated"] == 1


def test_with_a_cache_local_to_the_process_old_figures_are_counted_again(local_cache: None) -> None:
    figures = site_statistics()
    cache.set(statistics.CACHE_KEY, figures | {"computed_at": timezone.now() - datetime.timedelta(hours=1)})
    make_pair(status=Status.VALIDATED)

    assert site_statistics()["by_status"]["validated"] == 1


# The pages that show them.


def test_the_home_page_reads_cached_figures_without_counting(
    client: Client, django_assert_num_queries: Callable
) -> None:
    make_pair(status=Status.VALIDATED)
    site_statistics()
    most_needed()  # the home page's other cached figure: what coverage lacks most

    with django_assert_num_queries(0):
        response = client.get(reverse("collect:home"))

    assert response.status_code == 200
    assert response.context["validated_count"] == 1


def test_the_api_and_the_page_show_the_same_cached_figures(shared_cache: None, client: Client) -> None:
    make_pair(status=Status.VALIDATED)
    site_statistics()
    make_pair(status=Status.VALIDATED)  # not yet counted: the refresh is queued for the worker

    body = client.get(reverse("api:collect_api:stats")).json()
    response = client.get(STATISTICS_URL)

    assert body["by_status"]["validated"] == response.context["figures"]["by_status"]["validated"] == 1


def test_statistics_page_draws_each_chart_with_a_text_alternative_in_french(client: Client) -> None:
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.CODE, domain=Domain.COMPUTING, level=Level.HIGH_SCHOOL
    )

    response = client.get(STATISTICS_URL, HTTP_ACCEPT_LANGUAGE="fr")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<svg") >= 5
    assert '<title id="weeks-title">' in page and '<desc id="weeks-desc">' in page
    assert '<th scope="row">Informatique</th>' in page
    assert '<th scope="row">Lycée</th>' in page or "Lycée" in page
    assert "computing" not in page


def test_statistics_page_is_linked_from_the_menu(client: Client) -> None:
    assert f'href="{STATISTICS_URL}"' in client.get(reverse("collect:home")).content.decode()


def test_statistics_page_refuses_post(client: Client) -> None:
    assert client.post(STATISTICS_URL).status_code == 405


def test_statistics_page_shows_coverage_against_targets_as_a_heat_map(client: Client) -> None:
    make_pair(
        status=Status.VALIDATED, task_type=TaskType.REASONING, domain=Domain.MATHS, level=Level.MIDDLE_SCHOOL
    )

    page = client.get(STATISTICS_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'id="coverage-heatmap-title"' in page
    assert "Il nous manque surtout" in page
