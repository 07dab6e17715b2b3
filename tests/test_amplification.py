"""Amplification, end to end on Dovecot (issue 12 item 9): a flood of complaints from one
sender opens a case for each but costs the staff two notices, not one per case; forged
commands "from" a staff member cost that person no mail; a refusal never quotes the mail."""

from __future__ import annotations

import email
import re
import threading
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage, Message
from email.policy import SMTP, default
from pathlib import Path

import pytest
from conftest import TestImap

from mailbot.clock import OffsetClock
from mailbot.config.load import load_config
from mailbot.daemon.app import build_app
from mailbot.daemon.burst import WINDOW
from mailbot.daemon.runner import Daemon
from mailbot.inbound.imap import ImapMailbox
from mailbot.store.store import Store

from e2e import Deployment, staff_mail
from support import ANNA, COMPLAINTS, PIETER

AT = datetime.fromisoformat("2026-03-16T09:00:00+01:00")  # a Monday morning
FLOODER = "veelschrijver@example.org"
OPERATOR = "beheer@example.nl"
FLOOD = 200
STAFF = (ANNA, PIETER)  # the contact persons: each told of every new direct case
SECRET = "Vertrouwelijk-7Q: het wachtwoord van de kluis is 4711."


def at(**delta: float) -> str:
    return (AT + timedelta(**delta)).isoformat()


def complaint(n: int, sender: str = FLOODER) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Piet Veel <{sender}>"
    msg["To"] = COMPLAINTS
    # Every tenth subject carries a command word and another case's tag, as an attacker would.
    extra = " #reply [KL-2025-0007]" if n % 10 == 0 else ""
    msg["Subject"] = f"Klacht {n:03d}{extra}"
    msg["Message-ID"] = f"<vloed-{n}@example.org>"
    msg.set_content(f"Klacht nummer {n}: de cursus viel uit.\n")
    return msg.as_bytes(policy=SMTP)


def forged(n: int, case_id: str) -> bytes:
    """A command "from" Anna that her domain's check did not vouch for: no verdict of the
    trusted server at all, or its dmarc=fail."""
    msg = EmailMessage()
    if n % 2:
        msg["Authentication-Results"] = "mx.example.nl; spf=fail; dmarc=fail header.from=example.nl"
    msg["From"] = f"Anna de Vries <{ANNA}>"
    msg["To"] = COMPLAINTS
    msg["Subject"] = f"Re: [{case_id}] #opgelost aanvaller-{n}"
    msg["Message-ID"] = f"<vals-{n}@evil.example>"
    msg.set_content(f"Tekst van de aanvaller nummer {n}.\n")
    return msg.as_bytes(policy=SMTP)


def deliver(imap: TestImap, raws: list[bytes]) -> None:
    """APPEND every message over one connection (a login per message is slow)."""
    with imap.client() as client:
        for raw in raws:
            client.append("INBOX", raw)


def received(dep: Deployment) -> dict[str, list[Message]]:
    """What each address received, in order, since the sink was last cleared; the morning
    digest (one a day, whatever comes in) left out."""
    found: dict[str, list[Message]] = {}
    for m in dep.sink.messages:
        msg = email.message_from_bytes(m.raw, policy=default)
        if not msg["Subject"].startswith("Dagoverzicht"):
            found.setdefault(m.rcpt_tos[0], []).append(msg)
    return found


def count(dep: Deployment) -> int:
    return sum(len(mails) for mails in received(dep).values())


def body(message: Message) -> str:
    return message.get_body(("plain",)).get_content()


def tags(text: str) -> set[str]:
    return set(re.findall(r"\[(KL-2026-\d{4})\]", text))


@pytest.fixture
def dep(tmp_path: Path, dovecot_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, TestImap("dovecot", dovecot_server), smtp_sink)


def poll(dep: Deployment, moment: str) -> None:
    code, out = dep.poll(moment)
    assert code == 0, out


def tick(dep: Deployment, moment: str) -> str:
    code, out = dep.cli("tick", "--at", moment)
    assert code == 0, out
    return out


# --- 200 complaints from one sender ----------------------------------------------------------


def test_a_flood_from_one_sender_opens_every_case_and_costs_staff_two_notices(
    dep: Deployment,
) -> None:
    deliver(dep.imap, [complaint(n) for n in range(1, FLOOD + 1)])
    poll(dep, at(minutes=1))
    cases = sorted(dep.cases(), key=lambda c: c.id)
    assert len(cases) == FLOOD
    subject_of = {c.id: c.messages[0].subject for c in cases}
    first = received(dep)
    # The first case is told at once, as always; the per-sender daily cap limits the
    # acknowledgements (unchanged: 3).
    assert sorted(first) == sorted([FLOODER, *STAFF])
    assert len(first[FLOODER]) == 3
    for person in STAFF:
        [notice] = first[person]
        assert "[KL-2026-0001]" in notice["Subject"]
    assert count(dep) == 3 + len(STAFF)

    # Nothing more before the window closes; the daemon knows when to wake for it.
    dep.sink.clear()
    tick(dep, at(minutes=15))
    assert count(dep) == 0
    with build_app(load_config(dep.config, {})) as app:
        assert (
            app.service.next_deadline(AT + timedelta(minutes=2))
            == AT + timedelta(minutes=1) + WINDOW
        )

    tick(dep, at(minutes=16))
    combined = received(dep)
    assert sorted(combined) == sorted(STAFF)
    for person in STAFF:
        [notice] = combined[person]
        text = body(notice)
        assert notice["Subject"] == f"{FLOOD - 1} nieuwe klachten van {FLOODER}"
        assert tags(notice["Subject"]) == set()  # a reply to it belongs to no case
        # Together the two notices name every case, each with its subject, copied text inert.
        assert tags(text) | {"KL-2026-0001"} == set(subject_of)
        for case_id, subject in list(subject_of.items())[1:]:
            line = next(li for li in text.splitlines() if f"[{case_id}]" in li)
            listed = text.splitlines()[text.splitlines().index(line) + 1]
            assert subject.split(" #")[0] in listed
        assert "#reply" not in text and "\uff03reply (KL-2025-0007)" in text
        assert "daglimiet" in text  # what became of each acknowledgement
    # Per staff member: 2 notices for 200 cases (before: 200). At the sink: 3 + 2 + 2 = 7.
    assert count(dep) == len(STAFF)

    # Told once: neither another tick nor a restart sends it again.
    dep.sink.clear()
    tick(dep, at(minutes=30))
    assert count(dep) == 0

    # Every case is still reachable by its tag.
    dep.deliver(staff_mail(PIETER, "[KL-2026-0150] #status"))
    poll(dep, at(minutes=31))
    [status] = received(dep)[PIETER]
    assert "[KL-2026-0150]" in status["Subject"] and "Klacht 150" in body(status)


def test_the_running_daemon_wakes_when_the_window_closes(
    tmp_path: Path, dovecot_server, smtp_sink
) -> None:
    """No mail arrives and the poll interval is far away: only the wake-up for the window's
    end can send the combined notice within the test's seconds."""
    dep = Deployment(tmp_path, TestImap("dovecot", dovecot_server), smtp_sink, poll_seconds=600)
    deliver(dep.imap, [complaint(n) for n in range(1, 4)])
    poll(dep, at())
    dep.sink.clear()
    app = build_app(dep.settings)
    waking = OffsetClock(AT + WINDOW - timedelta(seconds=2))
    imap = dep.settings.imap
    daemon = Daemon(dep.settings, app.service, waking, lambda: ImapMailbox(imap), app.sender)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        # Woken by each arrival at the sink: waiting for the daemon's mail, not for time.
        dep.sink.wait_until(lambda _: bool(received(dep).get(ANNA)), 20, f"a notice to {ANNA}")
    finally:
        daemon.stop.set()
        thread.join(timeout=10)
        app.close()
    [notice] = received(dep)[ANNA]
    assert notice["Subject"] == f"2 nieuwe klachten van {FLOODER}"
    assert tags(body(notice)) == {"KL-2026-0002", "KL-2026-0003"}


def test_a_case_after_the_window_is_told_at_once_and_opens_a_new_one(dep: Deployment) -> None:
    deliver(dep.imap, [complaint(1), complaint(2)])
    poll(dep, at())
    deliver(dep.imap, [complaint(3)])
    poll(dep, at(minutes=20))  # the first window has closed: told at once
    got = received(dep)
    assert [tags(m["Subject"]) for m in got[ANNA]] == [{"KL-2026-0001"}, {"KL-2026-0003"}]
    dep.sink.clear()
    tick(dep, at(minutes=20))  # the daemon's round: the held case 2 is told now
    [notice] = received(dep)[ANNA]
    assert tags(body(notice)) == {"KL-2026-0002"}
    assert notice["Subject"] == f"1 nieuwe klacht van {FLOODER}"


def test_complaints_from_different_senders_are_each_told_at_once(dep: Deployment) -> None:
    deliver(dep.imap, [complaint(n, f"klant-{n}@example.org") for n in range(1, 4)])
    poll(dep, at())
    got = received(dep)
    assert sorted(tags(m["Subject"]).pop() for m in got[ANNA]) == [
        "KL-2026-0001",
        "KL-2026-0002",
        "KL-2026-0003",
    ]
    with Store.open(dep.settings.storage.data_dir, readonly=True) as store:
        assert not any(e.action.startswith("staff notice") for c in store.cases() for e in c.events)


# --- 200 forged commands "from" a staff member ------------------------------------------------


def test_forged_commands_cost_the_forged_staff_member_no_mail(
    dep: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    dep.deliver(complaint(1, "jan.jansen@example.org"))
    poll(dep, at())
    dep.sink.clear()
    deliver(dep.imap, [forged(n, "KL-2026-0001") for n in range(FLOOD)])
    poll(dep, at(minutes=5))
    got = received(dep)
    assert ANNA not in got  # before: 200 refusals, each with the attacker's subject
    [alert] = got[OPERATOR]  # the operator hears of it once, on the day's count
    assert ANNA in alert["Subject"]
    assert set(got) == {OPERATOR}
    [case] = dep.cases()
    assert (case.stage, case.status) == ("acknowledged", "open")  # nothing was carried out
    assert Counter(e.action for e in case.events)["refused"] == FLOOD  # the audit trail
    lines = capsys.readouterr().err.splitlines()  # the log: one line per event
    unanswered = [li for li in lines if "not answered: the mail failed authentication" in li]
    assert len(unanswered) == FLOOD
    assert all(ANNA in li for li in unanswered)


def test_a_refusal_to_a_genuine_staff_member_quotes_nothing_of_the_mail(dep: Deployment) -> None:
    """An operator's own command_refused that shows `message.text` still gets none."""
    overrides = dep.dir / "templates" / "nl"
    overrides.mkdir(parents=True)
    package = Path(__file__).parents[1] / "templates" / "nl" / "command_refused.txt.j2"
    own = package.read_text() + "\nUw bericht:\n{{ message.text }}\n"
    (overrides / "command_refused.txt.j2").write_text(own)
    config = dep.config.read_text()
    dep.config.write_text(
        config.replace(
            "[organisation]\n", f'[organisation]\ntemplates_dir = "{dep.dir / "templates"}"\n'
        )
    )
    dep.deliver(complaint(1, "jan.jansen@example.org"))
    poll(dep, at())
    dep.sink.clear()
    dep.deliver(staff_mail(PIETER, "Re: [KL-2026-0001] #uitspraak gegrond", SECRET))
    poll(dep, at(minutes=1))
    [refusal] = received(dep)[PIETER]
    assert refusal["Subject"].startswith("Niet uitgevoerd")
    assert "Uw bericht:" in body(refusal)  # the operator's template was used
    assert "Vertrouwelijk" not in body(refusal) and "4711" not in body(refusal)
    assert "Vertrouwelijk" not in refusal.as_string()
