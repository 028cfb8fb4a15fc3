"""Honest overload (issue 14): beyond the requests a process may serve at once, an immediate 503."""

import threading
import time

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse

from moisson.overload import (
    InFlight,
    OverloadMiddleware,
    Places,
    place_given_back,
    places,
    requests_in_flight,
)


@pytest.mark.django_db
def test_a_page_beyond_the_limit_is_a_short_french_503_with_retry_after(server_full, client: Client):
    response = client.get(reverse("collect:home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Beaucoup de monde en ce moment…" in response.content.decode()


@pytest.mark.django_db
def test_the_503_page_says_the_draft_is_kept_and_offers_to_try_again(server_full, client: Client):
    page = client.get(reverse("collect:guide")).content.decode()
    assert "votre texte est gardé dans ce navigateur" in page
    # The page's own address: the same page again, or the page a refused form was sent from.
    assert '<a href="" role="button">Réessayer</a>' in page


@pytest.mark.django_db
def test_a_refused_form_is_a_503_too(server_full, contributor_client: Client):
    response = contributor_client.post(reverse("collect:write"), {"question": "Pourquoi ?"})
    assert response.status_code == 503


@pytest.mark.django_db
def test_an_api_request_beyond_the_limit_gets_the_api_error_shape(server_full, client: Client):
    response = client.get(reverse("api:collect_api:pairs-list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "overloaded"
    assert response.json()["detail"].startswith("Trop de monde")


@pytest.mark.django_db
def test_the_503_answers_in_english_to_an_english_browser(server_full, client: Client):
    response = client.get(reverse("collect:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "A lot of people right now…" in response.content.decode()


@pytest.mark.django_db
def test_the_503_follows_the_language_chosen_on_the_site_over_the_browsers(
    server_full, client: Client, settings
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("collect:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    api = client.get(reverse("api:collect_api:pairs-list"), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert "A lot of people right now…" in page
    assert api["detail"].startswith("Too many people")


def test_refusing_a_request_touches_no_database(server_full, client: Client):
    # No django_db mark: pytest-django makes any query here an error.
    response = client.get(reverse("collect:home"))
    assert response.status_code == 503


@pytest.mark.django_db
def test_requests_within_the_limit_are_served(settings, client: Client):
    settings.MOISSON_MAX_IN_FLIGHT = 2
    assert requests_in_flight.try_enter(limit=2)
    try:
        response = client.get(reverse("collect:guide"))
    finally:
        requests_in_flight.leave()
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_served_request_gives_its_place_back(settings, client: Client):
    settings.MOISSON_MAX_IN_FLIGHT = 1
    assert client.get(reverse("collect:guide")).status_code == 200
    assert client.get(reverse("collect:guide")).status_code == 200
    assert requests_in_flight.count == 0


def test_a_request_that_crashed_gives_its_place_back(settings, rf):
    settings.MOISSON_MAX_IN_FLIGHT = 1

    def crash(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("the view crashed")

    with pytest.raises(RuntimeError):
        OverloadMiddleware(crash)(rf.get("/"))
    assert requests_in_flight.count == 0


@pytest.mark.django_db
def test_a_request_that_waited_too_long_behind_the_proxy_is_refused(settings, client: Client):
    settings.MOISSON_MAX_QUEUE_MS = 500
    two_seconds_ago = f"t={time.time() - 2:.3f}"
    response = client.get(reverse("collect:guide"), HTTP_X_REQUEST_START=two_seconds_ago)
    assert response.status_code == 503


@pytest.mark.django_db
def test_a_request_that_just_arrived_from_the_proxy_is_served(settings, client: Client):
    settings.MOISSON_MAX_QUEUE_MS = 500
    now_in_microseconds = str(int(time.time() * 1e6))
    response = client.get(reverse("collect:guide"), HTTP_X_REQUEST_START=now_in_microseconds)
    assert response.status_code == 200


@pytest.mark.django_db
def test_no_limit_when_the_setting_is_zero(settings, client: Client):
    settings.MOISSON_MAX_IN_FLIGHT = 0
    assert requests_in_flight.try_enter(limit=0)
    try:
        assert client.get(reverse("collect:guide")).status_code == 200
    finally:
        requests_in_flight.leave()


def test_the_503_gives_its_length_so_the_server_sends_it_in_one_piece(server_full, client: Client):
    for url in (reverse("collect:home"), reverse("api:collect_api:pairs-list")):
        response = client.get(url)
        assert int(response["Content-Length"]) == len(response.content)


def test_a_request_beyond_the_limit_is_served_when_a_place_frees_within_the_wait():
    in_flight = InFlight()
    assert in_flight.try_enter(limit=1)
    threading.Timer(0.05, in_flight.leave).start()
    started = time.monotonic()
    assert in_flight.try_enter(limit=1, wait=5.0)
    assert time.monotonic() - started < 2.5  # when the place was given back, not at the end of the wait
    assert in_flight.count == 1


def test_a_request_beyond_the_limit_is_refused_when_no_place_frees_within_the_wait():
    in_flight = InFlight()
    assert in_flight.try_enter(limit=1)
    started = time.monotonic()
    assert not in_flight.try_enter(limit=1, wait=0.05)
    assert 0.05 <= time.monotonic() - started < 2
    assert (in_flight.count, in_flight.waiting) == (1, 0)


def test_no_more_requests_wait_than_are_served_the_next_are_refused_at_once():
    in_flight = InFlight()
    assert in_flight.try_enter(limit=1)
    waiter = threading.Thread(target=in_flight.try_enter, kwargs={"limit": 1, "wait": 1.0})
    waiter.start()
    while in_flight.waiting == 0:
        time.sleep(0.001)
    started = time.monotonic()
    assert not in_flight.try_enter(limit=1, wait=5.0)
    assert time.monotonic() - started < 0.5
    waiter.join()


@pytest.mark.django_db
def test_the_middleware_waits_the_setting_before_its_503(server_full, settings, client: Client):
    settings.MOISSON_MAX_WAIT_MS = 60
    started = time.monotonic()
    response = client.get(reverse("collect:guide"))
    assert response.status_code == 503
    assert time.monotonic() - started >= 0.06


def test_a_place_given_back_for_a_wait_is_taken_back_after_even_above_the_limit(settings, rf):
    settings.MOISSON_MAX_IN_FLIGHT, settings.MOISSON_MAX_WAIT_MS = 1, 0
    seen: dict[str, object] = {}

    def view(request: HttpRequest) -> HttpResponse:
        with place_given_back():
            seen["during"] = requests_in_flight.count
            assert requests_in_flight.try_enter(limit=1)  # another request takes the place meanwhile
        seen["after"] = requests_in_flight.count
        requests_in_flight.leave()
        return HttpResponse()

    OverloadMiddleware(view)(rf.get("/"))
    assert seen == {"during": 0, "after": 2}
    assert requests_in_flight.count == 0


def test_a_wait_that_failed_takes_its_place_back_too(settings, rf):
    settings.MOISSON_MAX_IN_FLIGHT = 1

    def view(request: HttpRequest) -> HttpResponse:
        with place_given_back():
            raise OSError("the mail server hung up")

    with pytest.raises(OSError):
        OverloadMiddleware(view)(rf.get("/"))
    assert requests_in_flight.count == 0


def test_outside_a_request_nothing_is_given_back():
    with place_given_back():
        assert requests_in_flight.count == 0
    assert requests_in_flight.count == 0


def serve_window(places_: Places, *, ms: float, most: int = 4, target_ms: int = 100) -> None:
    for _ in range(Places.WINDOW):
        places_.served(ms / 1000, most=most, target_ms=target_ms)


def test_fewer_places_while_the_cores_are_full_and_requests_slower_than_the_target():
    slow_machine = Places()
    slow_machine.idle_cores = lambda: 0.02
    numbers = []
    for _ in range(5):
        serve_window(slow_machine, ms=180)
        numbers.append(slow_machine.now(4))
    assert numbers == [2, 1, 1, 1, 1]  # 4 x 100 / 180, then 2 x 100 / 180


def test_one_place_less_at_least_when_requests_are_a_little_slower_than_the_target():
    slightly_slow = Places()
    slightly_slow.idle_cores = lambda: 0.02
    serve_window(slightly_slow, ms=110)
    assert slightly_slow.now(4) == 3


def test_no_place_taken_away_when_the_cores_have_room_slow_requests_wait_for_something_else():
    slow_database = Places()
    slow_database.idle_cores = lambda: 0.6
    serve_window(slow_database, ms=400)
    assert slow_database.now(4) == 4
    slow_database.idle_cores = lambda: None  # where /proc/stat cannot be read
    serve_window(slow_database, ms=400)
    assert slow_database.now(4) == 4


def test_places_come_back_when_requests_are_fast_again_and_some_were_refused():
    recovering = Places()
    recovering.number, recovering.idle_cores = 1, lambda: 0.02
    serve_window(recovering, ms=30)
    assert recovering.now(4) == 1  # nobody was refused: one place was enough
    numbers = []
    for _ in range(4):
        recovering.refused()
        serve_window(recovering, ms=30)
        numbers.append(recovering.now(4))
    assert numbers == [2, 3, 4, 4]


def test_a_place_comes_back_when_cores_are_left_idle_while_requests_were_refused():
    idle = Places()
    idle.number, idle.idle_cores = 2, lambda: 0.4
    idle.refused()
    serve_window(idle, ms=80)
    assert idle.now(4) == 3


def test_a_target_of_zero_keeps_the_setting():
    fixed = Places()
    fixed.idle_cores = lambda: 0.0
    serve_window(fixed, ms=1000, target_ms=0)
    assert fixed.now(4) == 4


def test_never_more_places_than_the_setting_even_after_it_is_lowered():
    lowered = Places()
    lowered.number = 4
    assert lowered.now(2) == 2
    assert lowered.now(0) == 0


@pytest.fixture
def adapting(settings, monkeypatch: pytest.MonkeyPatch) -> Places:
    """The process's places following the target, on a machine whose cores are full."""
    settings.MOISSON_MAX_IN_FLIGHT, settings.MOISSON_TARGET_MS, settings.MOISSON_MAX_WAIT_MS = 4, 100, 0
    monkeypatch.setattr(places, "number", None)
    monkeypatch.setattr(places, "idle_cores", lambda: 0.0)
    monkeypatch.setattr(places, "_served", [])
    monkeypatch.setattr(places, "_refused", 0)
    return places


def test_through_the_middleware_slow_requests_on_full_cores_leave_fewer_places(
    adapting: Places, rf, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr("moisson.overload.time.monotonic", lambda: clock[0])

    def slow_view(request: HttpRequest) -> HttpResponse:
        clock[0] += 0.2
        return HttpResponse()

    middleware = OverloadMiddleware(slow_view)
    for _ in range(Places.WINDOW * 3):
        assert middleware(rf.get("/")).status_code == 200
    assert adapting.now(4) == 1

    # The one place left is taken: the next request is refused, where four places would have served it.
    assert requests_in_flight.try_enter(limit=1)
    try:
        assert middleware(rf.get("/")).status_code == 503
    finally:
        requests_in_flight.leave()


def test_a_request_that_lent_its_place_to_wait_for_a_mail_server_does_not_count(
    adapting: Places, rf, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr("moisson.overload.time.monotonic", lambda: clock[0])

    def waits_for_the_mail_server(request: HttpRequest) -> HttpResponse:
        with place_given_back():
            clock[0] += 5.0
        return HttpResponse()

    middleware = OverloadMiddleware(waits_for_the_mail_server)
    for _ in range(Places.WINDOW * 2):
        middleware(rf.get("/"))
    assert adapting.now(4) == 4
