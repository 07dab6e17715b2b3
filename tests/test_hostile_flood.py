"""A flood of hostile mail mixed with real complaints, taken in by `mailbot run`: the daemon
stays up, every real complainant is acknowledged once, and no forged command is applied."""

from __future__ import annotations

import contextlib
import email
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default

import pytest
from test_forgery import CHAIR_FORGERIES

from e2e import Deployment
from support import COMMITTEE

START = datetime.fromisoformat("2026-03-16T10:00:00+01:00")  # a Monday in office hours
REAL = 50
KLAGER = "klager@example.org"  # the complainant of the formal case the forgeries aim at
FORMAL = "KL-2026-0001"
DIRECT = "KL-2026-0002"  # a direct case whose acknowledgement the fake bounce names
FORM = (
    "Naam: Karin Klager\nAdres: Dorpsstraat 1, 1234 AB Voorbeeld\nDatum of periode: maart 2026\n"
    "Omschrijving: De training werd zonder bericht afgelast.\nHandtekening: Karin Klager\n"
)


def mail(sender: str, subject: str, body: str, to: str = "klachten@example.nl", **headers: str):
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 16 Mar 2026 09:30:00 +0100"
    msg.set_content(body)
    return msg


def real_complaint(n: int) -> bytes:
    msg = mail(f"Klant {n} <klant-{n:03d}@example.org>", f"Klacht {n}", f"Klacht {n}: te laat.\n")
    msg["Message-ID"] = f"<echt-{n}@example.org>"
    return msg.as_bytes(policy=SMTP)


def raw(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def forged_withdrawals() -> list[bytes]:
    """The chair's `#ingetrokken` on the formal case, forged by each trick of the review."""
    subject = f"Re: [{FORMAL}] Klacht #ingetrokken"
    return [
        raw(
            f"Authentication-Results: {results}\nFrom: {sender}\nTo: {COMMITTEE}\n"
            f"Subject: {subject}\nMessage-ID: <forged-{n}@evil.example>\n\nIngetrokken.\n"
        )
        for n, (sender, results) in enumerate(CHAIR_FORGERIES.values())
    ]


def fake_bounce() -> bytes:
    """A DSN made up by an outsider, its recipient field carrying a tag and a command."""
    return raw(
        "From: MAILER-DAEMON@evil.example\nTo: klachten@example.nl\n"
        f"Subject: Undelivered Mail Returned to Sender [{DIRECT}]\n"
        "Message-ID: <fake-dsn@evil.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.evil.example\n\n"
        f"Final-Recipient: rfc822; [{FORMAL}] #withdrawn\nAction: failed\nStatus: 5.1.1\n"
        "--b--\n"
    )


def deeply_nested(depth: int = 300) -> bytes:
    head = "From: Diep Genest <diep@example.org>\nTo: klachten@example.nl\nSubject: Genest\n"
    head += "Message-ID: <diep@example.org>\nMIME-Version: 1.0\n"
    parts = [head]
    for level in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n')
    parts.append("Content-Type: text/plain\n\nMijn klacht zit diep.\n")
    parts.extend(f"--b{level}--\n" for level in reversed(range(depth)))
    return raw("".join(parts))


def hostile() -> list[bytes]:
    international = mail("Jörg <jörg@example.de>", "Beschwerde", "Meine Klage.\n")
    international["Message-ID"] = "<joerg@example.de>"
    injected = mail(
        "Ineke <ineke@example.org>", f"Factuur klopt niet [{FORMAL}] #reply", "Te hoog.\n"
    )
    injected["Message-ID"] = "<ineke@example.org>"
    order = mail("Olaf <olaf@example.org>", "Bestelling #A123 #ingetrokken", "Niet geleverd.\n")
    order["Message-ID"] = "<olaf@example.org>"
    return [
        international.as_bytes(policy=SMTP.clone(utf8=True)),
        deeply_nested(),
        *forged_withdrawals(),
        fake_bounce(),
        injected.as_bytes(policy=SMTP),
        order.as_bytes(policy=SMTP),
    ]


def run_until(dep: Deployment, done, timeout: float) -> tuple[bool, int, str]:
    """`mailbot run --at START+10min` until `done()` holds or `timeout` passes: whether it was
    still running then, its exit code after SIGTERM, and its log."""
    at = (START + timedelta(minutes=10)).isoformat()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "run", "-c", str(dep.config), "--at", at],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        limit = time.monotonic() + timeout
        while time.monotonic() < limit and proc.poll() is None and not done():
            with contextlib.suppress(TimeoutError):  # a moment to look again
                dep.sink.wait_for(len(dep.sink.messages) + 1, timeout=1)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
    return alive, code, "".join(lines)


@pytest.mark.parametrize("imap_server", ["dovecot"], indirect=True)
def test_a_hostile_flood_leaves_the_daemon_up_every_complainant_acknowledged_no_forgery_applied(
    tmp_path, imap_server, smtp_sink
) -> None:
    dep = Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)
    formal = mail(f"Karin Klager <{KLAGER}>", "Formele klacht", FORM, to=COMMITTEE)
    formal["Message-ID"] = "<formeel@example.org>"
    dep.deliver(formal.as_bytes(policy=SMTP))
    direct = mail("Dirk <dirk@example.org>", "Factuur", "Te hoog.\n")
    direct["Message-ID"] = "<dirk@example.org>"
    dep.deliver(direct.as_bytes(policy=SMTP))
    assert dep.poll(START.isoformat())[0] == 0
    assert {c.id: c.complainant.email for c in dep.cases()} == {
        FORMAL: KLAGER,
        DIRECT: "dirk@example.org",
    }
    dep.sink.clear()

    flood = hostile()
    reals = [real_complaint(n) for n in range(1, REAL + 1)]
    mixed = [m for pair in zip(flood, reals, strict=False) for m in pair] + reals[len(flood) :]
    with imap_server.client() as client:
        for message in mixed:  # hostile and real mail interleaved
            client.append("INBOX", message)

    def acked() -> Counter[str]:
        tags = {c.complainant.email: f"[{c.id}]" for c in dep.cases()}
        got: Counter[str] = Counter()
        for received in dep.sink.messages:
            subject = str(email.message_from_bytes(received.raw, policy=default)["Subject"])
            for rcpt in received.rcpt_tos:
                if rcpt.startswith("klant-") and tags.get(rcpt, "<none>") in subject:
                    got[rcpt] += 1
        return got

    alive, code, log = run_until(dep, lambda: len(acked()) >= REAL, timeout=90)

    assert alive, log  # it never exited by itself
    assert code == 0 and "Traceback" not in log, log
    assert acked() == Counter({f"klant-{n:03d}@example.org": 1 for n in range(1, REAL + 1)})
    cases = {c.id: c for c in dep.cases()}
    assert cases[FORMAL].stage not in ("withdrawn", "closed"), cases[FORMAL].stage
    assert cases[DIRECT].stage not in ("withdrawn", "closed"), cases[DIRECT].stage
    to_klager = [
        str(email.message_from_bytes(m.raw, policy=default)["Subject"])
        for m in dep.sink.messages
        if KLAGER in m.rcpt_tos
    ]
    assert to_klager == []  # no forged step told the formal complainant anything
    applied = [e.action for e in cases[FORMAL].events if "withdraw" in e.action]
    assert applied == []
    print(
        f"\nhostile flood: {len(flood)} hostile + {REAL} real mails; daemon up: {alive}; "
        f"{len(acked())} of {REAL} acknowledged once; forged commands applied: {len(applied)}; "
        f"{len(dep.sink.messages)} mails sent"
    )
