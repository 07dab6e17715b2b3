"""Mail in, case out, acknowledgement sent: poll_once and the outbox on real servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.daemon.app import build_app
from mailbot.errors import ImapError

from e2e import AT, Deployment
from support import ANNA, CLIENT, COMMITTEE, PIETER

DATA = Path(__file__).parent / "data"
NOW = datetime.fromisoformat(AT)


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


def complaint(make_mail, message_id: str = "klacht-1@example.org", **kw) -> bytes:
    defaults = dict(
        subject="Factuur klopt niet",
        sender=f"Jan Jansen <{CLIENT}>",
        to="klachten@example.nl",
        body="Geachte heer/mevrouw,\n\nDe factuur van maart is twee keer verstuurd.\n",
        message_id=message_id,
    )
    raw = make_mail(**{**defaults, **kw})
    return raw if b"\r\n" in raw else raw.replace(b"\n", b"\r\n")  # as on the wire


def test_a_complaint_becomes_a_case_with_acknowledgement_and_staff_notice(
    deployment: Deployment, make_mail
) -> None:
    raw = complaint(make_mail)
    deployment.deliver(raw)

    code, out = deployment.poll()

    assert code == 0, out
    [case] = deployment.cases()
    assert (case.id, case.track, case.stage) == ("KL-2026-0001", "direct", "acknowledged")
    assert case.complainant.email == CLIENT and case.complainant.name == "Jan Jansen"
    [ack] = deployment.sent_to(CLIENT)
    assert "[KL-2026-0001]" in ack["Subject"]
    assert ack["In-Reply-To"] == "<klacht-1@example.org>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    assert "Geachte Jan Jansen" in ack.get_content()
    for staff in (ANNA, PIETER):
        [notice] = deployment.sent_to(staff)
        assert "Nieuwe klacht [KL-2026-0001]" in notice["Subject"]
        assert "twee keer verstuurd" in notice.get_content()
    assert all(len(m.rcpt_tos) == 1 for m in deployment.sink.messages)
    assert deployment.imap.messages("INBOX") == []
    assert deployment.imap.messages("Processed") == [raw]
    kept = deployment.settings.storage.data_dir / "mail"
    assert [p.read_bytes() for p in kept.glob("*/*.eml")] == [raw]


def test_receipt_is_when_the_server_received_the_mail_not_when_it_was_handled(
    deployment: Deployment, make_mail
) -> None:
    arrived = datetime(2026, 3, 13, 16, 45, tzinfo=UTC)  # a Friday; mailbot was down
    deployment.imap.append(complaint(make_mail), at=arrived)
    assert deployment.poll("2026-03-16T09:00:00+01:00")[0] == 0
    [case] = deployment.cases()
    assert case.received_at == arrived
    assert case.messages[0].at == arrived


def test_a_mail_to_the_committee_address_opens_a_formal_case(
    deployment: Deployment, make_mail
) -> None:
    deployment.deliver(complaint(make_mail, to=COMMITTEE))
    assert deployment.poll()[0] == 0
    [case] = deployment.cases()
    assert case.track == "formal"
    # Formal content reaches the committee and co-owners only: Pieter is neither.
    assert deployment.sent_to(PIETER) == []
    assert len(deployment.sent_to(ANNA)) == 1
    assert len(deployment.sent_to("bram.jansen@example.org")) == 1


def test_the_same_mail_delivered_twice_makes_one_case_and_one_ack(
    deployment: Deployment, make_mail
) -> None:
    raw = complaint(make_mail)
    deployment.deliver(raw)
    deployment.poll()
    # Redelivered, with an extra trace header as a second delivery path would add.
    deployment.deliver(b"Received: from mx2.example.nl by mx.example.nl\r\n" + raw)
    deployment.deliver(raw)
    code, out = deployment.poll()
    assert code == 0
    assert "2 discarded" in out
    assert len(deployment.cases()) == 1
    assert len(deployment.sent_to(CLIENT)) == 1
    assert len(deployment.imap.messages("Processed")) == 3


CRASH_AFTER_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from mailbot.daemon.app import build_app
    from mailbot.clock import FixedClock
    from mailbot.config.load import load_config
    from pathlib import Path

    settings = load_config(Path(sys.argv[1]), {})
    app = build_app(settings)
    mailbox = app.mailbox()
    mailbox.connect()
    # The store has committed when poll_once moves mail: die right there, as kill -9 would.
    mailbox.move = lambda uids, folder: os.kill(os.getpid(), signal.SIGKILL)
    app.service.poll_once(mailbox, FixedClock(datetime.fromisoformat(sys.argv[2])).now())
    """
)


def test_a_kill_between_commit_and_move_makes_no_second_case_or_ack(
    deployment: Deployment, make_mail
) -> None:
    deployment.deliver(complaint(make_mail))
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, str(deployment.config), AT],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert len(deployment.imap.messages("INBOX")) == 1  # never moved
    assert len(deployment.cases()) == 1  # but committed

    code, out = deployment.poll()  # the restart

    assert code == 0, out
    assert len(deployment.cases()) == 1
    assert len(deployment.sent_to(CLIENT)) == 1
    assert deployment.imap.messages("INBOX") == []


def test_a_reply_joins_its_case_by_tag_or_by_thread(deployment: Deployment, make_mail) -> None:
    deployment.deliver(complaint(make_mail))
    deployment.poll()
    [ack] = deployment.sent_to(CLIENT)
    by_tag = complaint(make_mail, "r1@example.org", subject="Re: " + ack["Subject"])
    by_thread = complaint(
        make_mail,
        "r2@example.org",
        subject="Re: een vraag",
        headers={"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]},
    )
    deployment.deliver(by_tag)
    deployment.deliver(by_thread)
    deployment.sink.clear()

    assert deployment.poll()[0] == 0

    [case] = deployment.cases()
    inbound = [m.message_id for m in case.messages if m.direction == "in"]
    assert inbound == ["klacht-1@example.org", "r1@example.org", "r2@example.org"]
    assert deployment.sent_to(CLIENT) == []  # no new acknowledgement
    assert len(deployment.sent_to(ANNA)) == 2  # staff told of each reply


def test_a_stranger_quoting_a_tag_opens_a_new_case(deployment: Deployment, make_mail) -> None:
    deployment.deliver(complaint(make_mail))
    deployment.poll()
    stranger = complaint(
        make_mail,
        "vreemd@example.org",
        sender="Kees Vreemd <kees@example.org>",
        subject="Re: [KL-2026-0001] ik wil ook meelezen",
    )
    deployment.deliver(stranger)
    assert deployment.poll()[0] == 0
    first, second = deployment.cases()
    assert [m.message_id for m in first.messages if m.direction == "in"] == ["klacht-1@example.org"]
    assert second.id == "KL-2026-0002" and second.complainant.email == "kees@example.org"
    [ack] = deployment.sent_to("kees@example.org")
    assert "KL-2026-0002" in ack["Subject"] and "KL-2026-0001" not in ack["Subject"]
    assert "twee keer verstuurd" not in ack.get_content()


@pytest.mark.parametrize(
    "sample",
    [
        "autoreply_outlook_ooo.eml",
        "autoreply_gmail_vacation.eml",
        "bounce_postfix.eml",
        "bounce_delayed.eml",
        "list_mail.eml",
        "bulk_newsletter.eml",
        "read_receipt.eml",
        "own_notification_loop.eml",
    ],
)
def test_automatic_mail_gets_no_reply(deployment: Deployment, sample: str) -> None:
    deployment.deliver((DATA / sample).read_bytes())
    code, out = deployment.poll()
    assert code == 0, out
    assert deployment.sink.messages == []
    assert deployment.cases() == []
    assert deployment.imap.messages("INBOX") == []


def test_an_out_of_office_reply_on_a_case_is_recorded_without_reply(
    deployment: Deployment, make_mail
) -> None:
    deployment.deliver(complaint(make_mail))
    deployment.poll()
    [ack] = deployment.sent_to(CLIENT)
    deployment.sink.clear()
    ooo = complaint(
        make_mail,
        "ooo@example.org",
        subject="Automatisch antwoord: " + ack["Subject"],
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack["Message-ID"]},
    )
    deployment.deliver(ooo)
    assert deployment.poll()[0] == 0
    [case] = deployment.cases()
    assert case.messages[-1].message_id == "ooo@example.org"
    assert case.events[-1].action == "automatic mail"
    assert deployment.sink.messages == []


def test_with_smtp_down_the_case_is_kept_and_the_ack_sent_once_later(
    deployment: Deployment, make_mail
) -> None:
    deployment.sink.stop()
    deployment.deliver(complaint(make_mail))

    code, out = deployment.poll()

    assert code == 1  # the operator learns that mail waits
    [case] = deployment.cases()
    assert case.stage == "acknowledged"
    assert deployment.imap.messages("INBOX") == []
    assert "waiting 3" in out

    deployment.sink.start()
    assert deployment.poll()[0] == 0
    assert deployment.poll()[0] == 0
    assert len(deployment.sent_to(CLIENT)) == 1
    assert len(deployment.sink.messages) == 3


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(
    deployment: Deployment, make_mail
) -> None:
    deployment.deliver(complaint(make_mail))
    deployment.sink.fail_with(451, "try again later")
    code, out = deployment.poll()
    assert code == 0 and "waiting 3" in out
    deployment.sink.fail_with(None)
    # Backoff: the retry is due a minute later, which `--at` lets the test reach at once.
    code, out = deployment.poll("2026-03-16T09:01:00+01:00")
    assert code == 0 and "sent 3" in out, out
    assert len(deployment.sent_to(CLIENT)) == 1


def test_a_loop_with_an_autoresponder_stops_at_the_cap(deployment: Deployment, make_mail) -> None:
    robot = "robot@example.com"
    deployment.deliver(complaint(make_mail, "robot-0@example.com", sender=robot, subject="Hallo"))
    for n in range(1, 8):
        assert deployment.poll()[0] == 0
        if not deployment.sent_to(robot)[n - 1 :]:
            break  # mailbot stopped answering: the loop is broken
        # A badly behaved autoresponder: no Auto-Submitted, a fresh subject, no threading.
        deployment.deliver(
            complaint(make_mail, f"robot-{n}@example.com", sender=robot, subject=f"Bericht {n}")
        )
    assert len(deployment.sent_to(robot)) == 3  # max_auto_replies_per_sender_per_day
    assert len(deployment.cases()) == 4  # every mail is kept; only the answers stop


def test_an_oversized_mail_is_quarantined_before_its_body_is_fetched(
    tmp_path: Path, imap_server, smtp_sink, make_mail
) -> None:
    deployment = Deployment(tmp_path, imap_server, smtp_sink)
    text = deployment.config.read_text().replace(
        "[security]\n", "[security]\nmax_message_bytes = 5000\n"
    )
    deployment.config.write_text(text)
    deployment.deliver(complaint(make_mail, "groot@example.org", body="x" * 20_000))
    deployment.deliver(complaint(make_mail, "klein@example.org"))
    code, out = deployment.poll()
    assert code == 0, out
    assert "1 new case(s)" in out and "1 quarantined" in out
    assert len(deployment.imap.messages("Quarantine")) == 1
    [alert] = deployment.sent_to("beheer@example.nl")
    assert "max_message_bytes" in alert.get_content()
    assert not list((deployment.settings.storage.data_dir / "mail").glob("*/*.eml"))[1:]


# pymap cannot take the 5000-deep mail in
@pytest.mark.parametrize("imap_server", ["dovecot"], indirect=True)
def test_a_flood_is_parsed_in_a_worker_with_the_outcome_of_parsing_here(
    tmp_path: Path, imap_server, smtp_sink, make_mail, capsys: pytest.CaptureFixture[str]
) -> None:
    dep = Deployment(tmp_path, imap_server, smtp_sink, extra_imap="batch_size = 2")
    senders = [f"klant{i}@example.org" for i in range(6)]
    for n, sender in enumerate(senders):
        dep.deliver(complaint(make_mail, f"vloed-{n}@example.org", sender=sender))
    dep.deliver((DATA / "corpus" / "mime_nested_insane_5000.eml").read_bytes())
    code, out = dep.poll()  # 4 batches: the last three parsed ahead in a worker process
    assert code == 0
    err = capsys.readouterr().err
    assert "7 mails waiting: parsing ahead in a worker process" in err
    assert "3 of 4 batches parsed in the worker" in err  # the first is parsed here
    assert "fetched 7: 6 new case(s)" in out and "1 quarantined" in out, out
    assert sorted(c.complainant.email for c in dep.cases()) == senders
    assert all(len(dep.sent_to(sender)) == 1 for sender in senders)
    [seen] = [r for r in dep.seen() if r.outcome == "quarantined"]
    assert seen.reason == "message nested too deeply to parse"


class CountingMailbox:
    """The real IMAP mailbox, its fetches counted; `fail_at` makes that fetch fail, as a
    server error on one batch would."""

    def __init__(self, mailbox, fail_at: int | None = None) -> None:
        self._mailbox = mailbox
        self.fetches = 0
        self.fail_at = fail_at

    def fetch(self, uids):
        self.fetches += 1
        if self.fetches == self.fail_at:
            raise ImapError("FETCH failed: [SERVERBUG] Internal error")
        return self._mailbox.fetch(uids)

    def __getattr__(self, name: str):
        return getattr(self._mailbox, name)


def flood(dep: Deployment, make_mail, count: int) -> list[str]:
    senders = [f"klant{i}@example.org" for i in range(count)]
    for n, sender in enumerate(senders):
        dep.deliver(complaint(make_mail, f"vloed-{n}@example.org", sender=sender))
    return senders


def test_a_failed_fetch_ahead_lets_the_batch_before_it_be_handled(
    tmp_path: Path, imap_server, smtp_sink, make_mail
) -> None:
    dep = Deployment(tmp_path, imap_server, smtp_sink, extra_imap="batch_size = 2")
    senders = flood(dep, make_mail, 7)
    with build_app(dep.settings) as app, app.mailbox() as real:
        mailbox = CountingMailbox(real, fail_at=3)  # batch 3, fetched while 2 waits
        with pytest.raises(ImapError):
            app.service.poll_once(mailbox, NOW)
    assert len(dep.imap.messages("Processed")) == 4  # batches 1 and 2, committed and moved
    code, out = dep.poll()  # the server is well again: the rest, once each
    assert code == 0 and "fetched 3: 3 new case(s)" in out, out
    assert sorted(c.complainant.email for c in dep.cases()) == senders
    assert all(len(dep.sent_to(sender)) == 1 for sender in senders)


def test_a_stop_during_a_flood_fetches_nothing_more(
    tmp_path: Path, imap_server, smtp_sink, make_mail
) -> None:
    dep = Deployment(tmp_path, imap_server, smtp_sink, extra_imap="batch_size = 2")
    flood(dep, make_mail, 7)
    stop = threading.Event()
    with build_app(dep.settings) as app, app.mailbox() as real:
        mailbox = CountingMailbox(real)
        report = app.service.poll_once(mailbox, NOW, stop.is_set, after_batch=stop.set)
    assert report.fetched == 2  # the batch in hand, and then it stopped
    assert mailbox.fetches == 2  # the one fetched ahead before the stop, and no more
    assert len(dep.imap.messages("Processed")) == 2
    assert len(dep.imap.messages("INBOX")) == 5
