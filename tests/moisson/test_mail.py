"""A mail server that is down, failing or silent never turns someone's action into an error page: the
e-mail leaves at once when it can, and the Celery worker tries again when it cannot (moisson.mail). A server
that failed or was slow is left to rest, so that the next requests do not wait for it too. Doors: sign-up
(allauth's confirmation), the contact form's acknowledgement, and a real worker."""

import contextlib
import re
import signal
import smtplib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends import locmem
from django.db import connection as database
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from moisson import mail as moisson_mail
from moisson.celery import app
from moisson.overload import requests_in_flight
from review.models import ContactRequest
from tests.fixtures.signup import sign_up
from tests.workers import needs_real_worker, running_worker

pytestmark = pytest.mark.django_db


class MailServerDown(locmem.EmailBackend):
    """The test outbox behind a mail server that refuses the first `down` connections."""

    down: ClassVar[list[int]] = [0]

    def send_messages(self, messages: list) -> int:
        if MailServerDown.down[0] > 0:
            MailServerDown.down[0] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def mail_server_down(settings: Settings) -> Iterator[list[int]]:
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    MailServerDown.down[0] = 1_000
    mail.outbox = []
    yield MailServerDown.down


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What is handed to the worker, without a worker."""
    handed: list[dict] = []
    monkeypatch.setattr(moisson_mail.send_email, "delay", handed.append)
    return handed


def test_a_sign_up_while_the_mail_server_is_down_answers_and_hands_the_email_to_the_worker(
    mail_server_down: list[int], queued: list[dict]
) -> None:
    response = sign_up("anne")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(username="anne").exists()
    assert mail.outbox == []
    [fields] = queued
    assert fields["to"] == ["anne@example.org"]
    assert re.search(r"/compte/confirm-email/\S+/", fields["body"])


def test_the_worker_sends_it_once_the_mail_server_is_back(
    mail_server_down: list[int], settings: Settings
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    mail_server_down[0] = 2  # the request's attempt and the task's first one fail; the second passes

    assert sign_up("anne").status_code == 302

    [message] = mail.outbox
    assert message.to == ["anne@example.org"]
    assert re.search(r"/compte/confirm-email/\S+/", message.body)


def test_a_contact_message_is_kept_and_acknowledged_later_when_the_mail_server_is_down(
    mail_server_down: list[int], queued: list[dict], django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("review:contact"),
            {"kind": "other", "email": "jeanne@example.org", "message": "Bonjour, une question sur le site."},
        )

    assert response["Location"] == reverse("review:contact_sent")
    assert ContactRequest.objects.count() == 1
    [fields] = queued
    assert fields["to"] == ["jeanne@example.org"]


def send_through(settings: Settings, port: int, **more: float) -> None:
    """The site's e-mail sent by SMTP to a server of the test on `port` (and any other EMAIL_ setting)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    for name, value in more.items():
        setattr(settings, name, value)


@contextlib.contextmanager
def receiving_mail_server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[socketserver.TCPServer]:
    """A mail server of the test, answering with `handler`: what it receives, whether it greeted someone,
    and a gate the handler may wait on (opened on the way out)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.received, server.greeted, server.gate = [], threading.Event(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.gate.set()
        server.shutdown()
        server.server_close()


def sign_up_in_a_thread(username: str) -> tuple[threading.Thread, list[int]]:
    """Sign `username` up from another thread, started here: the thread, and the status code once it ends."""
    status: list[int] = []

    def sign_up_and_close() -> None:
        try:
            status.append(sign_up(username).status_code)
        finally:
            database.close()

    thread = threading.Thread(target=sign_up_and_close)
    thread.start()
    return thread, status


class SilentMailServer:
    """A mail server that accepts connections, counts them, and never says a word."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_mail_server() -> Iterator[SilentMailServer]:
    server = SilentMailServer()
    yield server
    server.close()


class StillWaiting(BaseException):
    """Raised by an alarm in a request that waits too long: no `except OSError` nor `except Exception`
    on the way can take it for a mail server's error."""


def test_a_mail_server_that_never_answers_is_given_up_after_email_timeout(
    settings: Settings, silent_mail_server: SilentMailServer, queued: list[dict]
) -> None:
    send_through(settings, silent_mail_server.port, EMAIL_TIMEOUT=1)

    def still_waiting(signum: int, frame: object) -> None:
        raise StillWaiting("the sign-up was still waiting for the mail server after 30 s")

    previous = signal.signal(signal.SIGALRM, still_waiting)
    signal.alarm(30)
    try:
        response = sign_up("anne")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

    assert response.status_code == 302
    assert [fields["to"] for fields in queued] == [["anne@example.org"]]


def test_once_the_mail_server_failed_to_answer_the_next_actions_do_not_wait_for_it(
    settings: Settings,
    silent_mail_server: SilentMailServer,
    queued: list[dict],
    django_capture_on_commit_callbacks: object,
) -> None:
    server = silent_mail_server
    send_through(settings, server.port, EMAIL_TIMEOUT=1)

    assert sign_up("anne").status_code == 302  # waits EMAIL_TIMEOUT, then hands the e-mail over
    assert len(server.connections) == 1

    assert sign_up("bruno").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("review:contact"),
            {"kind": "other", "email": "jeanne@example.org", "message": "Bonjour, une question."},
        )
    assert response["Location"] == reverse("review:contact_sent")

    assert len(server.connections) == 1
    assert [fields["to"] for fields in queued] == [
        ["anne@example.org"],
        ["bruno@example.org"],
        ["jeanne@example.org"],
    ]


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_arriving_while_another_still_waits_for_the_mail_server_does_not_wait_too(
    settings: Settings,
    silent_mail_server: SilentMailServer,
    queued: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = silent_mail_server
    send_through(settings, server.port, EMAIL_TIMEOUT=3)
    monkeypatch.setattr(moisson_mail, "SLOW_SEND_SECONDS", 0.3)

    first, _ = sign_up_in_a_thread("anne")
    try:
        deadline = time.monotonic() + 30
        while not server.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # anne's sign-up has waited longer than SLOW_SEND_SECONDS, and still waits

        assert sign_up("bruno").status_code == 302
        assert [fields["to"] for fields in queued] == [["bruno@example.org"]]
        assert len(server.connections) == 1
    finally:
        first.join(30)

    assert [fields["to"] for fields in queued] == [["bruno@example.org"], ["anne@example.org"]]


def test_a_slow_mail_server_sends_the_email_and_is_left_to_rest(
    settings: Settings, queued: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moisson_mail, "SLOW_SEND_SECONDS", _SlowReceiver.greeting_delay / 2)
    with receiving_mail_server(_SlowReceiver) as server:
        send_through(settings, server.server_address[1])
        assert sign_up("anne").status_code == 302
        assert sign_up("bruno").status_code == 302

    [received] = server.received
    assert "anne@example.org" in received
    assert [fields["to"] for fields in queued] == [["bruno@example.org"]]


def test_after_its_rest_the_mail_server_is_tried_again(
    mail_server_down: list[int], queued: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moisson_mail, "REST_SECONDS", 1)
    mail_server_down[0] = 1

    assert sign_up("anne").status_code == 302
    assert cache.get(moisson_mail.RESTING_KEY) is not None
    time.sleep(1.2)
    assert sign_up("bruno").status_code == 302

    assert [fields["to"] for fields in queued] == [["anne@example.org"]]
    assert [message.to for message in mail.outbox] == [["bruno@example.org"]]


def test_while_the_mail_server_rests_an_email_the_broker_cannot_take_is_sent_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broker_down(fields: dict) -> None:
        raise OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(moisson_mail.send_email, "delay", broker_down)
    cache.set(moisson_mail.RESTING_KEY, "slow", 60)

    assert sign_up("anne").status_code == 302

    assert [message.to for message in mail.outbox] == [["anne@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_while_a_request_waits_for_the_mail_server_its_place_serves_another_request(
    settings: Settings,
) -> None:
    settings.MOISSON_MAX_IN_FLIGHT, settings.MOISSON_MAX_WAIT_MS = 1, 0
    with receiving_mail_server(_GatedReceiver) as server:
        send_through(settings, server.server_address[1])
        signing_up, signed_up = sign_up_in_a_thread("anne")
        try:
            assert server.greeted.wait(30), "the sign-up never reached the mail server"
            # The one place of this process would be the sign-up's, waiting for the mail server.
            assert Client().get(reverse("collect:guide")).status_code == 200
        finally:
            server.gate.set()
            signing_up.join(30)

    assert signed_up == [302]
    assert len(server.received) == 1
    assert requests_in_flight.count == 0


class _Receiver(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive a message: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"DATA"):
                self.wfile.write(b"354 go on\r\n")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.received.append(data.decode("utf-8", "replace"))
                self.wfile.write(b"250 kept\r\n")
            elif command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@needs_real_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_an_email_the_request_could_not(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request meets a mail server that refuses it; the worker, started with the address of one that
    # works, sends the message (the same server after a restart, as it were).
    send_through(settings, 1)
    assert "moisson.mail.send_email" in app.tasks
    with receiving_mail_server(_Receiver) as server:
        monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
        monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("EMAIL_PORT", str(server.server_address[1]))
        with running_worker(releases_root=tmp_path, log=tmp_path / "worker.log", name="mail-test"):
            assert sign_up("anne").status_code == 302
            deadline = time.monotonic() + 60
            while not server.received and time.monotonic() < deadline:
                time.sleep(0.2)

    assert len(server.received) == 1, (tmp_path / "worker.log").read_text()
    assert "anne@example.org" in server.received[0]
    assert "confirm-email" in server.received[0]


class _SlowReceiver(_Receiver):
    """A mail server that takes its time to greet, as one far away or overloaded does."""

    greeting_delay = 0.6

    def handle(self) -> None:
        time.sleep(self.greeting_delay)
        super().handle()


class _GatedReceiver(_Receiver):
    """A mail server that answers only when the test opens its gate."""

    def handle(self) -> None:
        self.server.greeted.set()
        self.server.gate.wait(30)
        super().handle()
