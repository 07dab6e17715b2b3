"""The daemon: IDLE wakes it for new mail at once; it stops cleanly when told to."""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest

from mailbot.backoff import Backoff
from mailbot.clock import OffsetClock
from mailbot.daemon.app import build_app
from mailbot.daemon.runner import Daemon
from mailbot.demo.devmail import free_port
from mailbot.errors import ImapSessionExpired
from mailbot.inbound.imap import ImapMailbox

from e2e import AT, Deployment
from support import CLIENT

START = datetime.fromisoformat(AT)  # the daemons' clock runs on from a pinned moment


class ObservedMailbox(ImapMailbox):
    """The real adapter; the test only learns when the daemon is waiting in IDLE."""

    waiting = threading.Event()

    def _await_input(self, client, deadline, should_stop):  # type: ignore[no-untyped-def]
        # Set once IDLE runs, not when the wait begins: pymap reports a mail appended between
        # the NOOP before IDLE and IDLE itself only when IDLE ends (the poll, 600 s away).
        self.waiting.set()
        return super()._await_input(client, deadline, should_stop)


@pytest.fixture
def daemon_env(tmp_path: Path, imap_server, smtp_sink):
    # A poll interval far beyond the test's timeout: only IDLE can wake the daemon in time.
    return Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)


def start(deployment: Deployment, mailbox=None, **daemon_args):  # type: ignore[no-untyped-def]
    """The daemon in a thread, on an observed mailbox (or a subclass of it)."""
    app = build_app(deployment.settings)
    ObservedMailbox.waiting = threading.Event()
    kind = mailbox or ObservedMailbox
    daemon = Daemon(
        deployment.settings,
        app.service,
        OffsetClock(START),
        lambda: kind(deployment.settings.imap),
        app.sender,
        **daemon_args,
    )
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    return app, daemon, thread


def test_idle_answers_a_new_mail_without_waiting_for_the_poll(daemon_env, make_mail) -> None:
    app, daemon, thread = start(daemon_env)
    try:
        assert ObservedMailbox.waiting.wait(10), "daemon never reached its wait"
        daemon_env.deliver(make_mail(subject="Te laat teruggebeld", sender=CLIENT))
        received = daemon_env.sink.wait_for(3, timeout=10)
        assert any(CLIENT in m.rcpt_tos for m in received)
    finally:
        daemon.stop.set()
        thread.join(timeout=10)
        app.close()
    assert not thread.is_alive()


def test_a_round_keeps_the_days_backup_of_the_store(daemon_env, make_mail) -> None:
    # The backup is the duties' step after sending; archiving no longer writes it.
    app = build_app(daemon_env.settings)
    daemon = Daemon(
        daemon_env.settings,
        app.service,
        OffsetClock(START),
        lambda: ImapMailbox(daemon_env.settings.imap),
        app.sender,
    )
    daemon_env.deliver(make_mail(subject="Factuur klopt niet", sender=CLIENT))
    try:
        with ImapMailbox(daemon_env.settings.imap) as mailbox:
            now = daemon.cycle(mailbox)
        backups = app.store.backups()
        assert [p.name for p in backups] == [f"store-{now:%Y%m%d}.json"]
        assert CLIENT in backups[0].read_text(encoding="utf-8")  # the new case is in it
    finally:
        app.close()


def test_a_stopped_daemon_exits_within_seconds(daemon_env) -> None:
    app, daemon, thread = start(daemon_env)
    try:
        assert ObservedMailbox.waiting.wait(10)
        daemon.stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive()
    finally:
        daemon.stop.set()
        app.close()


def test_the_daemon_keeps_trying_when_imap_is_unreachable(tmp_path: Path, smtp_sink, imap_server):
    deployment = Deployment(tmp_path, imap_server, smtp_sink)
    settings = deployment.settings
    bad = replace(settings.imap, port=free_port())
    app = build_app(settings)
    attempts = []
    done = threading.Event()

    def factory():
        attempts.append(1)
        if len(attempts) >= 2:
            done.set()
        return ImapMailbox(bad)

    fast = Backoff(initial=0.05, maximum=0.05)
    clock = OffsetClock(START)
    daemon = Daemon(settings, app.service, clock, factory, app.sender, imap_backoff=fast)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        assert done.wait(10), "the daemon gave up instead of reconnecting"
    finally:
        daemon.stop.set()
        thread.join(timeout=5)
        app.close()
    assert not thread.is_alive()


class BuggyOnce(ObservedMailbox):
    """The real adapter, but its first round hits a bug that is no MailbotError."""

    rounds = 0

    def pending_uids(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        BuggyOnce.rounds += 1
        if BuggyOnce.rounds == 1:
            raise RuntimeError("a bug in one round")
        return super().pending_uids(*args, **kwargs)


def test_an_unexpected_error_in_one_round_does_not_end_the_daemon(
    daemon_env: Deployment, make_mail
) -> None:
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger("mailbot").addHandler(handler)  # its own: `main` may stop propagation
    BuggyOnce.rounds = 0
    app, daemon, thread = start(
        daemon_env, BuggyOnce, imap_backoff=Backoff(initial=0.05, maximum=0.05)
    )
    try:
        assert ObservedMailbox.waiting.wait(10), "the daemon ended on the bug"
        daemon_env.deliver(make_mail(subject="Na de fout", sender=CLIENT))
        received = daemon_env.sink.wait_for(3, timeout=10)
        assert any(CLIENT in m.rcpt_tos for m in received)
    finally:
        daemon.stop.set()
        thread.join(timeout=10)
        app.close()
        logging.getLogger("mailbot").removeHandler(handler)
    assert not thread.is_alive()
    assert "RuntimeError: a bug in one round" in logged.getvalue()  # with its traceback


def test_mailbot_run_tells_systemd_it_is_ready_and_stops_cleanly_on_sigterm(
    tmp_path: Path, imap_server, smtp_sink
) -> None:
    deployment = Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)
    notify = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(notify)
        systemd.settimeout(20)
        env = {**os.environ, "NOTIFY_SOCKET": notify, "WATCHDOG_USEC": "2000000"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "run", "-c", str(deployment.config), "--at", AT],
            env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert systemd.recv(256).decode().startswith("READY=1")
            assert systemd.recv(256).decode() == "WATCHDOG=1"  # pinged while idle
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
            assert systemd.recv(256).decode() == "STOPPING=1"
        finally:
            proc.kill()
            proc.wait()
    assert "mailbot stopped" in proc.stderr.read()


class ExpiredAtOnce(ImapMailbox):
    """A server that ends every session for an expired token before the first round."""

    connects: ClassVar[list[float]] = []
    third = threading.Event()

    def connect(self) -> None:
        ExpiredAtOnce.connects.append(time.monotonic())
        if len(ExpiredAtOnce.connects) >= 3:
            ExpiredAtOnce.third.set()
        raise ImapSessionExpired("IMAP connect failed: Session invalidated - AccessTokenExpired")


def test_a_session_that_expires_again_before_a_round_waits_instead_of_looping(
    daemon_env: Deployment,
) -> None:
    ExpiredAtOnce.connects, ExpiredAtOnce.third = [], threading.Event()
    app, daemon, thread = start(
        daemon_env, ExpiredAtOnce, imap_backoff=Backoff(initial=0.5, maximum=0.5)
    )
    try:
        assert ExpiredAtOnce.third.wait(10)
    finally:
        daemon.stop.set()
        thread.join(timeout=10)
        app.close()
    first, second, third = ExpiredAtOnce.connects[:3]
    assert second - first < 0.4  # the first expiry is routine: reconnect at once
    assert third - second >= 0.5  # again before any round: the backoff, not a hot loop
