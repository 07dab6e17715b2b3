"""Batches bounded by bytes as well as count; the watchdog hears from a long poll; big mail
does not multiply in memory on its way through."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import TestImap

from mailbot.clock import FixedClock
from mailbot.daemon.app import build_app
from mailbot.daemon.intake import MAX_TEXT_CHARS
from mailbot.daemon.runner import Daemon
from mailbot.daemon.sdnotify import Notifier
from mailbot.inbound.batches import MIN_BATCH_BYTES, batch_bytes, plan_batches

from e2e import AT, Deployment
from support import ANNA

NOW = datetime.fromisoformat(AT)
MB = 1_000_000

# uids 1.. with these sizes; count 3, 10 bytes a batch, mails over 50 bytes not fetched
PLANS = [
    ("empty inbox", [], []),
    ("small mail, by count", [1, 1, 1, 1, 1, 1, 1], [[1, 2, 3], [4, 5, 6], [7]]),
    ("by bytes before count", [6, 4, 1], [[1, 2], [3]]),
    ("a byte over starts a new batch", [6, 5], [[1], [2]]),
    ("a mail over the budget goes alone", [2, 30, 2], [[1], [2], [3]]),
    ("too big to fetch weighs nothing", [9, 60, 1], [[1, 2, 3]]),
    ("a vanished mail weighs nothing", [9, None, 1], [[1, 2, 3]]),
    ("exactly the budget fits", [5, 5, 5], [[1, 2], [3]]),
]


@pytest.mark.parametrize(("sizes", "expected"), [p[1:] for p in PLANS], ids=[p[0] for p in PLANS])
def test_the_plan_bounds_each_batch_by_count_and_bytes(
    sizes: list[int | None], expected: list[list[int]]
) -> None:
    uids = list(range(1, len(sizes) + 1))
    known = {uid: size for uid, size in zip(uids, sizes, strict=True) if size is not None}
    assert plan_batches(uids, known, 3, 10, 50) == expected


def test_a_batch_holds_about_one_largest_mail() -> None:
    assert batch_bytes(26_214_400) == 26_214_400
    assert batch_bytes(1000) == MIN_BATCH_BYTES  # small mail still comes in hundreds


@pytest.fixture
def dovecot(dovecot_server) -> TestImap:
    return TestImap("dovecot", dovecot_server)


def big_complaint(make_mail, n: int, size: int) -> bytes:
    body = f"Klacht {n}.\n" + "De factuur klopt niet en niemand belt terug.\n" * (size // 46)
    raw = make_mail(subject=f"Klacht {n}", sender=f"klant{n}@example.org", body=body,
                    message_id=f"groot-{n}@example.org")  # fmt: skip
    return raw


class Watching:
    """The IMAP mailbox as the service sees it, noting each body fetch and what the
    processed folder held at that moment."""

    def __init__(self, mailbox, imap) -> None:
        self._mailbox, self._imap = mailbox, imap
        self.fetched: list[tuple[int, int]] = []  # (mails fetched, mails already moved)

    def fetch(self, uids):
        self.fetched.append((len(uids), len(self._imap.messages("Processed"))))
        return self._mailbox.fetch(uids)

    def __getattr__(self, name: str):
        return getattr(self._mailbox, name)


def deployment_with(tmp_path: Path, imap: TestImap, sink, mails: list[bytes]) -> Deployment:
    dep = Deployment(tmp_path, imap, sink)
    for raw in mails:
        dep.deliver(raw)
    return dep


def test_big_mail_is_fetched_a_byte_bounded_batch_at_a_time_each_committed_first(
    tmp_path: Path, dovecot: TestImap, smtp_sink, make_mail
) -> None:
    imap = dovecot
    mails = [big_complaint(make_mail, n, 1_500_000) for n in range(3)]
    dep = deployment_with(tmp_path, imap, smtp_sink, mails)
    security = replace(dep.settings.security, max_message_bytes=2 * MB)  # batches of 4 MiB
    with build_app(replace(dep.settings, security=security)) as app, app.mailbox() as real:
        mailbox = Watching(real, imap)
        report = app.service.poll_once(mailbox, NOW)
    assert report.fetched == 3 and report.opened == 3
    # Two mails fit in 4 MiB, the third does not; the first two were committed and moved
    # before it was fetched, so a kill then would fetch only the third again.
    assert mailbox.fetched == [(2, 0), (1, 2)]
    assert len(imap.messages("Processed")) == 3


def test_the_watchdog_is_pinged_between_the_mails_of_one_batch(
    tmp_path: Path, dovecot: TestImap, smtp_sink, make_mail
) -> None:
    imap = dovecot
    mails = [big_complaint(make_mail, n, 2000) for n in range(3)]
    dep = deployment_with(tmp_path, imap, smtp_sink, mails)
    path = str(tmp_path / "notify")
    moved_at_ping: list[int] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(path)
        systemd.settimeout(5)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})

        def alive() -> None:
            notifier.watchdog()
            moved_at_ping.append(len(imap.messages("Processed")))

        with build_app(dep.settings) as app, app.mailbox() as mailbox:
            report = app.service.poll_once(mailbox, NOW, alive=alive)
        got = [systemd.recv(64).decode() for _ in range(3)]
    assert report.fetched == 3
    assert got == ["WATCHDOG=1"] * 3
    assert moved_at_ping == [0, 0, 0]  # all three within the one batch, before its commit


def test_a_huge_text_reaches_case_and_staff_cut_with_a_note(
    tmp_path: Path, dovecot: TestImap, smtp_sink, make_mail
) -> None:
    imap = dovecot
    raw = big_complaint(make_mail, 1, 3 * MB)
    dep = deployment_with(tmp_path, imap, smtp_sink, [raw])
    assert dep.poll()[0] == 0
    [case] = dep.cases()
    text = case.messages[0].text
    assert text.startswith("Klacht 1.\nDe factuur klopt niet")
    assert len(text) < MAX_TEXT_CHARS + 200
    assert "tekens weggelaten; de hele mail is bewaard" in text
    [notice] = dep.sent_to(ANNA)
    content = notice.get_content()
    assert "tekens weggelaten" in content and len(content) < 1.2 * MAX_TEXT_CHARS  # CRLF
    kept = dep.settings.storage.data_dir / "mail"
    assert [p.read_bytes() for p in kept.glob("*/*.eml")] == [raw]  # the original, whole
    assert imap.messages("Processed") == [raw]


def watched_round(tmp_path: Path, dep: Deployment, act) -> list[str]:  # type: ignore[no-untyped-def]
    """`act(app, mailbox, daemon)` with a daemon whose watchdog is 2 microseconds (it pings
    whenever it is given the chance); what systemd's notify socket received meanwhile."""
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(path)
        systemd.settimeout(0.5)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2"})
        with build_app(dep.settings) as app, app.mailbox() as mailbox:
            daemon = Daemon(
                dep.settings, app.service, FixedClock(NOW), app.mailbox, app.sender,
                notifier=notifier,
            )  # fmt: skip
            act(app, mailbox, daemon)
        pings = []
        with contextlib.suppress(TimeoutError):
            while True:
                pings.append(systemd.recv(64).decode())
    return pings


def test_the_daemon_passes_its_watchdog_to_the_poll(
    tmp_path: Path, dovecot: TestImap, smtp_sink, make_mail
) -> None:
    mails = [big_complaint(make_mail, n, 2000) for n in range(3)]
    dep = deployment_with(tmp_path, dovecot, smtp_sink, mails)

    def one_round(app, mailbox, daemon) -> None:  # type: ignore[no-untyped-def]
        daemon.cycle(mailbox)  # its poll takes the three mails in

    pings = watched_round(tmp_path, dep, one_round)
    assert len(dep.imap.messages("Processed")) == 3
    assert pings.count("WATCHDOG=1") >= 3  # one after each mail at least


def test_the_daemon_feeds_its_watchdog_while_it_sends_the_outbox(
    tmp_path: Path, dovecot: TestImap, smtp_sink, make_mail
) -> None:
    mails = [big_complaint(make_mail, n, 2000) for n in range(3)]
    dep = deployment_with(tmp_path, dovecot, smtp_sink, mails)

    def outbox_only(app, mailbox, daemon) -> None:  # type: ignore[no-untyped-def]
        app.service.poll_once(mailbox, NOW)  # the three cases; their mail waits to go
        daemon.flush(NOW)  # the outbox alone: nine mails

    pings = watched_round(tmp_path, dep, outbox_only)
    assert len(smtp_sink.messages) == 9
    assert pings.count("WATCHDOG=1") >= 9  # one before each mail at least
