"""kill -9: `mailbot run` killed at random moments many times over a few hundred mails, then
restarted. Afterwards every mail has exactly one case (or is a message on its case), every
complainant exactly one acknowledgement, nothing is lost and the store opens cleanly."""

from __future__ import annotations

import email
import random
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest

from mailbot.config.load import load_config
from mailbot.store.store import Store

from e2e import Deployment

SEED = 20260316
# The daemons' clock starts in Dutch office hours on a working day (the digest falls due too).
START = datetime.fromisoformat("2026-03-13T15:30:00+01:00")
ORIGINALS = 300  # complaints, each from a sender of its own
REPLIES = 40  # complainants 1..40 write again, quoting their case tag
MIN_KILLS, MAX_KILLS = 15, 25  # kills go on until the work is done, at least MIN_KILLS
KILL_PHASE_SECONDS = 40  # and stop after this, done or not: poll-once finishes the rest
DELAY = (0.2, 1.6)  # seconds from start to SIGKILL; a start alone takes ~0.4 s
WORK_LINE = re.compile(r"^INFO (opened|added|sent) ", re.M)
# A parse worker being started when the SIGKILL came finds its parent gone before it was sent
# its start data; multiprocessing says so on the shared stderr before any mailbot code runs
# in it. That is the kill's doing, not mailbot's, and it is the only traceback forgiven here.
SPAWN_CUT_SHORT = re.compile(
    r"Traceback \(most recent call last\):\n"
    r"(?:  .*\n)*?.*multiprocessing/spawn\.py\", line \d+, in _main\n"
    r"    preparation_data = reduction\.pickle\.load\(from_parent\)\n"
    r"(?:  .*\n)*?EOFError: Ran out of input\n"
)
SENT_LINE = re.compile(r"^INFO sent (\S+) to (\S+) ", re.M)  # logged after the journal's fsync


def complainant(n: int) -> str:
    return f"klant-{n:03d}@example.org"


def mail(n: int, subject: str, message_id: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Klant {n} <{complainant(n)}>"
    msg["To"] = "klachten@example.nl"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 16 Mar 2026 08:00:00 +0100"
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def original(n: int) -> bytes:
    return mail(n, f"Klacht {n}", f"klacht-{n}@example.org", f"Klacht {n}: geen certificaat.\n")


def reply(n: int, tag: str) -> bytes:
    subject = f"Re: [{tag}] Klacht {n}"
    return mail(n, subject, f"reactie-{n}@example.org", f"Aanvulling op klacht {n}.\n")


def allow_replies_per_hour(dep: Deployment, limit: int) -> None:
    """A flood of distinct complainants is what this test sends: lift the global reply cap
    (default 200 an hour) above it, so every complainant is owed an acknowledgement."""
    text = dep.config.read_text()
    dep.config.write_text(
        text.replace("[security]\n", f"[security]\nmax_auto_replies_per_hour = {limit}\n", 1)
    )
    dep.settings = load_config(dep.config, {})


def deliver(imap, raws: list[bytes]) -> None:
    with imap.client() as client:
        for raw in raws:
            client.append("INBOX", raw)


def done(dep: Deployment, expected_cases: int) -> bool:
    """Inbox empty, every case there, outbox drained (read as a second process would)."""
    if dep.imap.messages("INBOX"):
        return False
    data_dir = dep.settings.storage.data_dir
    if not (data_dir / "store.json").exists():
        return False
    with Store.open(data_dir, readonly=True) as store:
        return len(store.cases()) == expected_cases and not store.outbox()


def test_kill_9_at_random_moments_loses_nothing_and_doubles_nothing(
    tmp_path: Path, imap_server, smtp_sink, capfd
) -> None:
    rng = random.Random(SEED)
    started = time.monotonic()

    def since() -> str:
        """The daemon's clock, pinned: START plus the time this test has run, so it runs on
        across the restarts instead of jumping back to START at each."""
        return (START + timedelta(seconds=time.monotonic() - started)).isoformat()

    dep = Deployment(tmp_path, imap_server, smtp_sink, extra_imap="batch_size = 25")
    allow_replies_per_hour(dep, 2 * ORIGINALS)
    year = START.year  # case ids carry the year of the daemon's (pinned) clock
    # Cases are numbered in inbox (UID) order, each complaint from a new sender: case i is
    # complainant i's, so reply i can quote its tag. The replies arrive half-way.
    deliver(dep.imap, [original(n) for n in range(1, ORIGINALS + 1)])
    replies = [reply(n, f"KL-{year}-{n:04d}") for n in range(1, REPLIES + 1)]
    logs = tmp_path / "logs"
    logs.mkdir()

    kills = runs = 0
    while kills < MAX_KILLS and time.monotonic() - started < KILL_PHASE_SECONDS:
        if kills == MIN_KILLS // 2 and replies:
            deliver(dep.imap, replies)
            replies = []
        runs += 1
        with (logs / f"run-{runs:02d}.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mailbot", "run", "-c", str(dep.config), "--at", since()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
            try:
                code = proc.wait(timeout=rng.uniform(*DELAY))
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL
                proc.wait()
                kills += 1
            else:
                pytest.fail(f"mailbot run exited by itself with {code}: see {log.name}")
        if kills >= MIN_KILLS and not replies and done(dep, ORIGINALS):
            break
    if replies:  # the kill phase ended before half-way: deliver them now
        deliver(dep.imap, replies)
    kill_phase = time.monotonic() - started

    # A clean restart finishes what is left; a second one finds nothing to do.
    capfd.readouterr()
    code, out = dep.cli("poll-once", "--at", since())
    assert code == 0, out
    code, out = dep.cli("poll-once", "--at", since())
    assert code == 0 and "fetched 0" in out and "sent 0, waiting 0" in out, out
    logs_text = [p.read_text() for p in sorted(logs.iterdir())] + [capfd.readouterr().err]

    # --- the tally ---
    cases = dep.cases()
    delivered = ORIGINALS + REPLIES
    inbox, processed, quarantine = (
        len(dep.imap.messages(f)) for f in ("INBOX", "Processed", "Quarantine")
    )
    holders: dict[str, list[str]] = {}  # inbound Message-ID -> cases holding it
    for case in cases:
        for message in case.messages:
            if message.direction == "in":
                holders.setdefault(message.message_id, []).append(case.id)
    lost = [
        mid
        for mid in [f"klacht-{n}@example.org" for n in range(1, ORIGINALS + 1)]
        + [f"reactie-{n}@example.org" for n in range(1, REPLIES + 1)]
        if mid not in holders
    ]
    owner = {c.complainant.email: c.id for c in cases}
    ack_ids: dict[str, set[str]] = {}  # complainant -> distinct acknowledgement Message-IDs
    stray: list[str] = []  # mail to a complainant without their case's tag
    deliveries: Counter[tuple[str, str]] = Counter()  # (Message-ID, recipient) -> deliveries
    for received in dep.sink.messages:
        msg = email.message_from_bytes(received.raw, policy=default)
        message_id = str(msg["Message-ID"]).strip("<>")
        for rcpt in received.rcpt_tos:
            deliveries[(message_id, rcpt)] += 1
            if not rcpt.startswith("klant-"):
                continue
            if f"[{owner.get(rcpt)}]" in str(msg["Subject"]):
                ack_ids.setdefault(rcpt, set()).add(message_id)
            else:
                stray.append(f"{rcpt}: {msg['Subject']}")
    duplicates = {key: n for key, n in deliveries.items() if n > 1}
    ack_duplicates = sum(n - 1 for (_, rcpt), n in duplicates.items() if rcpt.startswith("klant-"))
    # what mailbot recorded as accepted by the server (logged after the journal's fsync)
    logged_sent = Counter(m for text in logs_text for m in SENT_LINE.findall(text))
    busy = sum(1 for text in logs_text[:runs] if WORK_LINE.search(text))
    litter = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("data/**/.*.tmp"))
    print(
        f"\nkill -9 ({imap_server.kind}): {delivered} mails ({ORIGINALS} complaints, "
        f"{REPLIES} replies by tag), {kills} kills in {runs} runs (seed {SEED}; "
        f"{busy} of them while mail was being handled or sent); "
        f"{len(cases)} cases, {len(dep.sink.messages)} mails sent, "
        f"{sum(n - 1 for n in duplicates.values())} duplicate deliveries (same Message-ID; "
        f"{ack_duplicates} of them acknowledgements), "
        f"{sum(len(v) - 1 for v in ack_ids.values())} second acknowledgements, "
        f"{len(lost)} lost, {quarantine} quarantined, {len(litter)} temp files left {litter}; "
        f"kill phase {kill_phase:.1f} s, wall time {time.monotonic() - started:.1f} s"
    )

    assert [t for t in logs_text if "Traceback" in SPAWN_CUT_SHORT.sub("", t)] == []
    assert lost == []
    assert (inbox, processed + quarantine, quarantine) == (0, delivered, 0)
    assert Counter(c.complainant.email for c in cases) == Counter(
        {complainant(n): 1 for n in range(1, ORIGINALS + 1)}
    )
    # every mail on exactly one case; each reply on its own sender's case
    assert {mid: ids for mid, ids in holders.items() if len(ids) != 1} == {}
    assert all(
        holders[f"reactie-{n}@example.org"] == [owner[complainant(n)]]
        for n in range(1, REPLIES + 1)
    )
    # exactly one acknowledgement per complainant: one Message-ID, never a second one composed
    assert stray == []
    assert Counter({k: len(v) for k, v in ack_ids.items()}) == Counter(
        {complainant(n): 1 for n in range(1, ORIGINALS + 1)}
    )
    # A delivery twice under the same Message-ID happens only when SIGKILL falls between the
    # server's "250 OK" and mailbot's journal write; no SMTP client can close that window (the
    # issue allows one such duplicate per interruption). A mail mailbot had recorded as sent is
    # never sent again, and no kill causes more than one duplicate.
    assert {k: n for k, n in logged_sent.items() if n > 1} == {}
    assert sum(n - 1 for n in duplicates.values()) <= kills, duplicates
    with Store.open(dep.settings.storage.data_dir) as store:  # opens (and locks) cleanly
        assert len(store.cases()) == ORIGINALS
        assert store.outbox() == []
