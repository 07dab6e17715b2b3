"""Acknowledgements under the global hourly cap are held in the outbox until their turn, never
dropped: a flood on Dovecot is acknowledged completely, each complainant exactly once, no hour
over the cap, authenticated senders at once, and a kill -9 while replies wait loses none."""

from __future__ import annotations

import email
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from email.policy import default
from pathlib import Path

import pytest
from conftest import TestImap
from test_crash import allow_replies_per_hour, complainant, deliver, mail

from mailbot.demo.devmail import ReceivedMail
from mailbot.model import Changes, OutboundMail
from mailbot.store.store import Store

from e2e import Deployment, staff_mail
from support import ANNA

START = datetime.fromisoformat("2026-03-16T09:00:00+01:00")  # a Monday morning
HOUR = timedelta(hours=1)
CAP = 100
FLOOD = 300  # complaints from senders no server vouched for
TRUSTED = 40  # complaints whose sender the trusted server authenticated (dmarc=pass)
DATA = Path(__file__).parent / "data"
SENT_LINE = re.compile(r"^INFO sent (\S+) to (\S+) ", re.M)


# --- turns: the schedule itself ------------------------------------------------------------


def _reply(n: int, at: datetime, turn: datetime | None) -> OutboundMail:
    return OutboundMail(
        f"ack-{n}@x",
        None,
        "klachten@example.nl",
        f"klant-{n}@example.org",
        "Ontvangen",
        "",
        at,
        headers=(("Auto-Submitted", "auto-replied"),),
        next_attempt_at=turn,
        capped=True,
    )


def _queue(store: Store, count: int, now: datetime, cap: int, first: int = 0) -> list[datetime]:
    """Queue `count` capped replies one by one, as the intake does; returns their turns."""
    turns = []
    for n in range(first, first + count):
        (turn,) = store.auto_reply_turns(now, cap)
        store.apply(Changes(outbox=[_reply(n, now, turn if turn > now else None)]))
        turns.append(turn)
    return turns


def _busiest_hour(times: list[datetime]) -> int:
    """The most moments in any closed 60 minutes."""
    times = sorted(times)
    return max((sum(1 for t in times if s <= t <= s + HOUR) for s in times), default=0)


def test_turns_keep_every_hour_within_the_cap_and_come_in_order(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as store:
        turns = _queue(store, 25, START, cap=10)
        # more arrive half an hour later: they queue behind the ones already waiting
        turns += _queue(store, 7, START + HOUR / 2, cap=10, first=25)
    assert turns == sorted(turns)
    assert Counter(turns) == Counter(
        {
            START: 10,
            START + timedelta(hours=1, seconds=1): 10,
            START + timedelta(hours=2, seconds=2): 10,
            START + timedelta(hours=3, seconds=3): 2,
        }
    )
    assert _busiest_hour(turns) == 10


def test_the_turns_taken_survive_a_restart(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as store:
        _queue(store, 3, START, cap=2)
        store.commit()
    with Store.open(tmp_path / "data") as store:
        assert store.auto_reply_turns(START + HOUR / 2, cap=2, count=2) == [
            START + timedelta(hours=1, seconds=1),
            START + timedelta(hours=2, seconds=2),
        ]
        assert [m.next_attempt_at for m in store.waiting_replies()] == [
            START + timedelta(hours=1, seconds=1)
        ]
        # the per-sender daily count is kept as well
        assert store.auto_replies("klant-0@example.org", START - HOUR) == 1


def _send_due(store: Store, now: datetime) -> list[datetime]:
    """What a flush would send at `now`, recorded as sent then."""
    due = store.pending_outbox(now)
    for reply in due:
        store.mark_sent(reply.message_id, now)
    store.commit()
    return [now] * len(due)


def test_after_downtime_past_their_turns_held_replies_still_keep_to_the_cap(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "data") as store:
        store.pace_replies(100)
        _queue(store, 300, START, cap=100)
        store.commit()
        sent = _send_due(store, START)
        assert len(sent) == 100
        # mailbot is down from 00:30 to 02:30: both later turns have passed
        back = START + timedelta(hours=2, minutes=30)
        sent += _send_due(store, back)
        assert len(sent) == 200  # the hour's room, not both turns at once
        assert {m.next_attempt_at for m in store.waiting_replies()} == {
            back + timedelta(hours=1, seconds=1)
        }
        assert _send_due(store, back + HOUR) == []
    with Store.open(tmp_path / "data") as store:  # the new turns and the sends are on disk
        store.pace_replies(100)
        sent += _send_due(store, back + timedelta(hours=1, seconds=1))
        assert store.waiting_replies() == []
    assert len(sent) == 300
    assert _busiest_hour(sent) == 100


# --- the flood on Dovecot --------------------------------------------------------------------


def _complaint(n: int, authenticated: bool) -> bytes:
    raw = mail(n, f"Klacht {n}", f"klacht-{n}@example.org", f"Klacht {n}: te veel betaald.\n")
    if not authenticated:
        return raw
    # the trusted server (security.trusted_authserv_id) checked the sender's domain
    return (
        b"Authentication-Results: mx.example.nl; spf=pass smtp.mailfrom=example.org;\r\n"
        b" dkim=pass header.d=example.org header.s=sel1; dmarc=pass header.from=example.org\r\n"
    ) + raw


def _flood() -> tuple[list[str], list[str], list[bytes]]:
    """300 strangers, with the 40 authenticated senders arriving in the middle (after the
    hour's budget is spent), each complaint from a sender of its own."""
    strangers = [complainant(n) for n in range(1, FLOOD + 1)]
    trusted = [complainant(n) for n in range(FLOOD + 1, FLOOD + TRUSTED + 1)]
    raws = [_complaint(n, False) for n in range(1, 151)]
    raws += [_complaint(n, True) for n in range(FLOOD + 1, FLOOD + TRUSTED + 1)]
    raws += [_complaint(n, False) for n in range(151, FLOOD + 1)]
    return strangers, trusted, raws


class Acks:
    """The acknowledgements the SMTP sink received, each with the simulated moment of the
    run that sent it (each run acts at one pinned moment)."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.seen = 0
        self.sent: list[tuple[str, str, str, datetime]] = []  # (to, Message-ID, subject, at)
        self.notices: list[str] = []  # new-case notices to staff (Anna's copy)
        self.deliveries: Counter[tuple[str, str]] = Counter()  # (to, Message-ID) -> times

    def take(self, at: datetime) -> int:
        """Attribute what arrived since the last call to the run at `at`; returns acks."""
        fresh = self.sink.messages[self.seen :]
        self.seen += len(fresh)
        count = 0
        for received in fresh:
            msg = email.message_from_bytes(received.raw, policy=default)
            subject, message_id = str(msg["Subject"]), str(msg["Message-ID"]).strip("<>")
            for rcpt in received.rcpt_tos:
                if rcpt == ANNA and subject.startswith("Nieuwe klacht"):
                    self.notices.append(msg.get_content())
                if not rcpt.startswith("klant-"):
                    continue
                self.deliveries[(rcpt, message_id)] += 1
                if self.deliveries[(rcpt, message_id)] == 1:  # a delivery twice is counted apart
                    self.sent.append((rcpt, message_id, subject, at))
                    count += 1
        return count

    def wait_for(self, total: int, timeout: float = 60) -> None:
        """Until the sink has `total` different acknowledgements (a mail delivered twice after
        a SIGKILL counts once), woken by each arrival, not by a timer."""
        distinct: set[tuple[str, bytes]] = set()
        scanned = 0

        def enough(got: list[ReceivedMail]) -> bool:
            nonlocal scanned
            distinct.update(_acks(got[scanned:]))  # only what arrived since the last look
            scanned = len(got)
            return len(distinct) >= total

        try:
            self.sink.wait_until(enough, timeout, f"{total} acks")
        except TimeoutError:
            pytest.fail(f"{len(distinct)} acknowledgements arrived, not {total}")


def _acks(messages: list[ReceivedMail]) -> set[tuple[str, bytes]]:
    """(recipient, Message-ID) of each acknowledgement among `messages`."""
    found = set()
    for m in messages:
        message_id = re.search(rb"^Message-ID:\s*(\S+)", m.raw, re.M | re.I)
        found |= {(r, (message_id and message_id[1]) or b"") for r in m.rcpt_tos}
    return {(r, i) for r, i in found if r.startswith("klant-")}


class _Daemon:
    """`mailbot run` with its output copied to `log` line by line, so a test can wait for a
    line on an event instead of reading the file over and over."""

    def __init__(self, dep: Deployment, at: datetime, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "run", "-c", str(dep.config), "--at", at.isoformat()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._copier = threading.Thread(target=self._copy, daemon=True)
        self._copier.start()

    def _copy(self) -> None:
        assert self.proc.stdout is not None
        with self.log.open("w") as out:
            for line in self.proc.stdout:
                out.write(line)
                out.flush()
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()

    def wait_for_line(self, pattern: str, timeout: float = 30) -> None:
        def seen() -> bool:
            return any(re.search(pattern, line) for line in self._lines)

        with self._changed:
            if not self._changed.wait_for(seen, timeout):
                pytest.fail(f"no {pattern!r} in {self.log.name}:\n{''.join(self._lines)}")

    def send_signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the process has ended and its log is written out."""
        code = self.proc.wait(timeout)
        self._copier.join(30 if timeout is None else timeout)  # a parse worker may linger
        return code


def _waiting(dep: Deployment) -> list[OutboundMail]:
    with Store.open(dep.settings.storage.data_dir, readonly=True) as store:
        return store.waiting_replies()


def test_a_flood_is_acknowledged_in_full_within_the_hourly_cap(
    tmp_path: Path, dovecot_server, smtp_sink
) -> None:
    started = time.monotonic()
    imap = TestImap("dovecot", dovecot_server)
    dep = Deployment(tmp_path, imap, smtp_sink, extra_imap="batch_size = 50")
    allow_replies_per_hour(dep, CAP)
    strangers, trusted, raws = _flood()
    deliver(imap, raws)
    acks = Acks(smtp_sink)
    logs = tmp_path / "logs"
    logs.mkdir()

    # 1. The flood arrives: every case opened; the authenticated 40 and the hour's budget
    # of 100 answered at once; 200 held in the durable outbox, none dropped.
    code, out = dep.poll(START.isoformat())
    assert code == 0 and "fetched 340: 340 new case(s)" in out, out
    assert acks.take(START) == TRUSTED + CAP
    assert sorted(r for r, *_ in acks.sent if r in trusted) == trusted
    held = _waiting(dep)
    assert len(held) == FLOOD - CAP
    turns = Counter(m.next_attempt_at for m in held)
    first, second = START + timedelta(hours=1, seconds=1), START + timedelta(hours=2, seconds=2)
    assert turns == Counter({first: CAP, second: FLOOD - 2 * CAP})

    # Staff are told what happened to each acknowledgement, in local time.
    assert len(acks.notices) == FLOOD + TRUSTED
    at_once = [
        t for t in acks.notices if "mailbot stuurt de klager nu een ontvangstbevestiging" in t
    ]
    later = [t for t in acks.notices if "op maandag 16 maart 2026 om 10:00" in t]
    latest = [t for t in acks.notices if "op maandag 16 maart 2026 om 11:00" in t]
    assert (len(at_once), len(later), len(latest)) == (TRUSTED + CAP, CAP, FLOOD - 2 * CAP)
    assert not [t for t in acks.notices if "heeft een ontvangstbevestiging" in t]
    assert "meer klachten binnen dan mailbot per uur automatisch beantwoordt (100)" in later[0]

    # `mailbot cases` and the morning digest show the wait.
    code, out = dep.cli("cases", "--at", START.isoformat())
    assert code == 0 and "200 automatic replies to complainants wait for the hourly cap" in out
    assert "the last goes out 2026-03-16 11:00 (CET)" in out
    code, out = dep.cli("tick", "--at", (START + HOUR / 2).isoformat())
    assert code == 0 and "sent 2," in out, out  # the digest for Anna and Pieter, no acks
    assert acks.take(START + HOUR / 2) == 0
    digest = smtp_sink.messages[-1]
    text = email.message_from_bytes(digest.raw, policy=default).get_content()
    assert "200 klagers wachten nog op het automatische antwoord van mailbot" in text
    assert "wordt op maandag 16 maart 2026 om 11:00 verstuurd" in text

    # 2. kill -9 while acknowledgements are held: the daemon waits for the next turn.
    log = logs / "run-1.log"
    daemon = _Daemon(dep, START + HOUR * 0.75, log)
    daemon.wait_for_line(r"^INFO connected to IMAP")  # up, fetched nothing, waiting
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    assert acks.take(START + HOUR * 0.75) == 0
    assert len(_waiting(dep)) == FLOOD - CAP

    # 3. The second turn: the daemon sends it and is killed by SIGKILL part-way; `tick`
    # sends the rest of that turn and nothing of the third.
    log = logs / "run-2.log"
    daemon = _Daemon(dep, first, log)
    acks.wait_for(TRUSTED + CAP + 30)
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    code, out = dep.cli("tick", "--at", first.isoformat())  # tick sends what is due, too
    assert code == 0, out
    assert acks.take(first) == CAP
    assert len(_waiting(dep)) == FLOOD - 2 * CAP

    # 4. The third turn: a daemon started just before it wakes for it by itself.
    log = logs / "run-3.log"
    daemon = _Daemon(dep, second - timedelta(seconds=2), log)
    acks.wait_for(TRUSTED + FLOOD)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    assert acks.take(second) == FLOOD - 2 * CAP
    assert _waiting(dep) == []
    runs = "".join(p.read_text() for p in sorted(logs.iterdir()))
    assert "Traceback" not in runs

    # --- the tally: each complainant exactly one acknowledgement, with their case tag ---
    owner = {c.complainant.email: c.id for c in dep.cases()}
    per_person: dict[str, set[str]] = {}
    for to, mid, subject, _ in acks.sent:
        assert f"[{owner[to]}]" in subject, (to, subject)
        per_person.setdefault(to, set()).add(mid)
    assert Counter({k: len(v) for k, v in per_person.items()}) == Counter(
        dict.fromkeys([*strangers, *trusted], 1)
    )
    # The same Message-ID twice only when SIGKILL fell between the server's 250 and the
    # journal write, at most once per SMTP session (as in test_crash); a mail mailbot had
    # recorded as sent never goes again, and no second acknowledgement is ever composed.
    duplicates = sum(n - 1 for n in acks.deliveries.values())
    logged = Counter(m for m in SENT_LINE.findall(runs))
    assert {k: n for k, n in logged.items() if n > 1} == {}
    assert duplicates <= dep.settings.smtp.connections

    # No 60 minutes with more capped replies than the cap; all within 3 hours.
    capped = [at for to, _, _, at in acks.sent if to in strangers]
    per_turn = Counter(capped)
    assert _busiest_hour(capped) <= CAP
    assert max(capped) - START <= 3 * HOUR
    assert [at for to, _, _, at in acks.sent if to in trusted] == [START] * TRUSTED
    print(
        f"\nflood: {FLOOD} + {TRUSTED} authenticated complaints, cap {CAP}/h: acknowledgements "
        f"per turn {[(f'+{at - START}', n) for at, n in sorted(per_turn.items())]}, "
        f"authenticated {TRUSTED} at +0:00:00; busiest hour {_busiest_hour(capped)}; "
        f"all done at +{max(capped) - START}; {duplicates} duplicate deliveries; "
        f"wall time {time.monotonic() - started:.1f} s"
    )


# --- what staff are told, case by case -------------------------------------------------------


def _notices(sink) -> dict[str, str]:
    """Anna's new-case notices by the complainant's address (the last one of each)."""
    return dict(_notices_all(sink))


def _to(sink, address: str) -> list[str]:
    return [
        str(email.message_from_bytes(m.raw, policy=default)["Subject"])
        for m in sink.messages
        if address in m.rcpt_tos
    ]


def test_staff_are_told_whether_the_reply_went_waits_or_was_not_sent(
    tmp_path: Path, pymap_server, smtp_sink
) -> None:
    imap = TestImap("pymap", pymap_server)
    dep = Deployment(tmp_path, imap, smtp_sink)
    allow_replies_per_hour(dep, 1)
    formal_sender = "willem.degroot@example.org"
    complete_formal = (
        Path(__file__).parent / "data" / "complaint_formal_committee.eml"
    ).read_bytes()
    incomplete_formal = mail(4, "Formele klacht", "formeel-4@example.org", "Het ging mis.\n")
    incomplete_formal = incomplete_formal.replace(
        b"To: klachten@example.nl", b"To: klachtencommissie@example.nl"
    )
    deliver(
        imap,
        [
            _complaint(1, False),  # the hour's budget of one
            _complaint(2, False),  # waits an hour
            complete_formal,  # a formal acknowledgement of receipt: never held
            incomplete_formal,  # asking for the missing parts is an automatic reply: waits
            *(mail(5, f"Klacht {k}", f"klacht-5-{k}@example.org", "Weer mis.\n") for k in range(4)),
        ],
    )
    code, out = dep.poll(START.isoformat())
    assert code == 0 and "8 new case(s)" in out, out
    notices = _notices(smtp_sink)

    assert (
        "mailbot stuurt de klager nu een ontvangstbevestiging met het zaaknummer."
        in (notices[complainant(1)])
    )
    assert len(_to(smtp_sink, complainant(1))) == 1
    assert (
        "mailbot stuurt de klager een ontvangstbevestiging met het zaaknummer op maandag "
        "16 maart 2026 om 10:00; tot dan heeft de klager nog niets van ons gehoord."
    ) in notices[complainant(2)]
    assert _to(smtp_sink, complainant(2)) == []
    assert "mailbot stuurt de klager nu de ontvangstbevestiging." in notices[formal_sender]
    assert len(_to(smtp_sink, formal_sender)) == 1  # at once, though the cap was spent
    assert (
        "mailbot stuurt de klager een verzoek om wat er aan de klacht ontbreekt op maandag "
        "16 maart 2026 om 11:00"
    ) in notices[complainant(4)]
    assert "heeft een ontvangstbevestiging" not in "".join(notices.values())
    # the fourth complaint of one sender in a day: the per-sender cap, unchanged, drops it;
    # that sender's later complaints are told together when 15 minutes have passed (burst.py)
    fifth = [t for a, t in _notices_all(smtp_sink) if a == complainant(5)]
    assert len(fifth) == 1
    assert "op maandag 16 maart 2026 om" in fifth[0]
    smtp_sink.clear()
    code, out = dep.cli("tick", "--at", (START + timedelta(minutes=15)).isoformat())
    assert code == 0, out
    [later] = [t for s, t in _texts(smtp_sink, ANNA) if s.startswith("3 nieuwe klachten")]
    assert later.count("ontvangstbevestiging wacht op haar beurt, wordt verstuurd op maandag") == 2
    assert "geen automatisch antwoord: daglimiet voor dit adres bereikt" in later

    # An hour and a second later the next one goes, and only that one.
    code, out = dep.poll((START + timedelta(hours=1, seconds=1)).isoformat())
    assert code == 0 and "sent 1," in out, out
    (subject,) = _to(smtp_sink, complainant(2))
    assert f"[{dep.cases()[1].id}]" in subject and dep.cases()[1].complainant.email == complainant(
        2
    )


def _texts(sink, address: str) -> list[tuple[str, str]]:
    return [
        (str(msg["Subject"]), msg.get_content())
        for m in sink.messages
        if address in m.rcpt_tos
        for msg in [email.message_from_bytes(m.raw, policy=default)]
    ]


def _notices_all(sink) -> list[tuple[str, str]]:
    """Every new-case notice to Anna as (complainant address, text)."""
    found = []
    for received in sink.messages:
        msg = email.message_from_bytes(received.raw, policy=default)
        if ANNA in received.rcpt_tos and str(msg["Subject"]).startswith("Nieuwe klacht"):
            text = msg.get_content()
            found.append((re.search(r"Zaak: +(\S+)", text)[1], text))
    # in case order (several SMTP sessions deliver in any order)
    return [(re.search(r"Klager: .*<(\S+)>", t)[1], t) for _, t in sorted(found)]


def test_staff_commands_are_carried_out_while_the_hourly_cap_is_spent(
    tmp_path: Path, pymap_server, smtp_sink
) -> None:
    """The cap once marked every mail of the hour 'not to be answered', staff mail included:
    their commands were then read as notes. Now only complainants' replies wait."""
    dep = Deployment(tmp_path, TestImap("pymap", pymap_server), smtp_sink)
    allow_replies_per_hour(dep, 1)
    deliver(dep.imap, [_complaint(1, False), _complaint(2, False)])
    assert dep.poll(START.isoformat())[0] == 0
    answer = "Geachte klant,\n\nWij storten het bedrag deze week terug.\n\nAnna de Vries\n"
    deliver(dep.imap, [staff_mail(ANNA, "Re: [KL-2026-0002] #antwoord", answer)])
    code, out = dep.poll((START + timedelta(minutes=5)).isoformat())
    assert code == 0 and "1 with commands" in out, out
    got = [
        email.message_from_bytes(m.raw, policy=default)
        for m in smtp_sink.messages
        if complainant(2) in m.rcpt_tos
    ]
    assert len(got) == 1 and "Wij storten het bedrag deze week terug." in got[0].get_content()
    assert len(_waiting(dep)) == 1  # the acknowledgement still waits for its turn
