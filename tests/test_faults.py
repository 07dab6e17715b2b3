"""Fault injection on the real servers: SMTP refusing, IMAP restarted mid-IDLE, a store write
failing, SIGTERM mid-batch. After each fault the counts are checked: cases, acknowledgements at
the sink (exactly one per complainant), messages in INBOX / Processed / Quarantine."""

from __future__ import annotations

import contextlib
import email
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from mailbot.backoff import Backoff
from mailbot.clock import OffsetClock
from mailbot.config.load import load_config
from mailbot.daemon.app import build_app
from mailbot.daemon.runner import Daemon
from mailbot.demo.devmail import SmtpSink, _Handler
from mailbot.inbound.imap import ImapMailbox
from mailbot.model import OutboundMail
from mailbot.store.store import STORE_FILE, Store

from e2e import Deployment
from support import ANNA, PIETER

AT = datetime.fromisoformat("2026-03-16T09:00:00+01:00")  # a Monday morning
STAFF = (ANNA, PIETER)  # told of every new direct case
MAILS_PER_CASE = 1 + len(STAFF)  # the acknowledgement and the staff notices


def at(**delta: float) -> str:
    """`--at` for a moment relative to AT."""
    return (AT + timedelta(**delta)).isoformat()


# --- mail in ------------------------------------------------------------------------------


def complainant(n: int) -> str:
    return f"klant-{n:03d}@example.org"


def complaint(n: int) -> bytes:
    """Complaint number n, from a sender of its own (the per-sender reply cap stays out of it)."""
    msg = EmailMessage()
    msg["From"] = f"Klant {n} <{complainant(n)}>"
    msg["To"] = "klachten@example.nl"
    msg["Subject"] = f"Klacht nummer {n}"
    msg["Date"] = "Mon, 16 Mar 2026 08:00:00 +0100"
    msg["Message-ID"] = f"<klacht-{n}@example.org>"
    msg.set_content(f"Goedendag,\n\nDit is klacht {n}: de cursus viel uit.\n\nGroet,\nKlant {n}\n")
    return msg.as_bytes(policy=SMTP)  # CRLF, as on the wire


def deliver(imap, raws: list[bytes]) -> None:
    """APPEND every message over one connection (a login per message is slow)."""
    with imap.client() as client:
        for raw in raws:
            client.append("INBOX", raw)


# --- counting -----------------------------------------------------------------------------


@dataclass
class Tally:
    cases: Counter[str]  # complainant -> cases opened for them
    acks: Counter[str]  # complainant -> acknowledgements the sink received (each delivery)
    untagged: list[str]  # mail to a complainant without their case tag in the subject
    inbox: int
    processed: int
    quarantine: int
    sent: int  # every mail the sink accepted


def tally(dep: Deployment) -> Tally:
    cases = dep.cases()
    tags = {c.complainant.email: f"[{c.id}]" for c in cases}
    acks: Counter[str] = Counter()
    untagged = []
    for received in dep.sink.messages:
        msg = email.message_from_bytes(received.raw, policy=default)
        for rcpt in received.rcpt_tos:
            if not rcpt.startswith("klant-"):
                continue
            if tags.get(rcpt, "<no case>") not in str(msg["Subject"]):
                untagged.append(f"{rcpt}: {msg['Subject']}")
                continue
            acks[rcpt] += 1
    counts = {f: len(dep.imap.messages(f)) for f in ("INBOX", "Processed", "Quarantine")}
    return Tally(
        cases=Counter(c.complainant.email for c in cases),
        acks=acks,
        untagged=untagged,
        inbox=counts["INBOX"],
        processed=counts["Processed"],
        quarantine=counts["Quarantine"],
        sent=len(dep.sink.messages),
    )


def assert_all_handled(dep: Deployment, numbers: range, acked: range | None = None) -> Tally:
    """Each complaint has one case, each complainant in `acked` (default: all) exactly one
    acknowledgement, nothing waits in the inbox and nothing went to quarantine."""
    acked = numbers if acked is None else acked
    t = tally(dep)
    assert t.cases == Counter({complainant(n): 1 for n in numbers})
    assert t.acks == Counter({complainant(n): 1 for n in acked})
    assert t.untagged == []
    assert (t.inbox, t.processed, t.quarantine) == (0, len(numbers), 0)
    return t


def outbox(dep: Deployment) -> list[OutboundMail]:
    with Store.open(dep.settings.storage.data_dir, readonly=True) as store:
        return store.outbox()


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


# --- 1. SMTP refusing, then recovering ------------------------------------------------------


def test_smtp_down_then_451_then_healed_sends_each_mail_exactly_once(
    deployment: Deployment,
) -> None:
    numbers = range(1, 5)
    total = len(numbers) * MAILS_PER_CASE
    deliver(deployment.imap, [complaint(n) for n in numbers])

    # The SMTP server is down: the cases are kept, the mail leaves the inbox, the mail waits.
    deployment.sink.stop()
    code, out = deployment.poll(at())
    assert code == 1 and f"waiting {total}" in out, out
    assert_all_handled(deployment, numbers, acked=range(0))
    assert [m.status for m in outbox(deployment)] == ["pending"] * total

    # Up again but refusing for now (451 at DATA): every mail deferred, none accepted.
    deployment.sink.start()
    deployment.sink.fail_with(451, "4.3.2 try again later")
    code, out = deployment.poll(at())
    assert code == 0 and f"sent 0, waiting {total}" in out, out
    assert deployment.sink.messages == []
    waiting = outbox(deployment)
    assert {(m.status, m.attempts) for m in waiting} == {("pending", 1)}
    assert all("451" in (m.last_error or "") for m in waiting)

    # Healed, but the backoff (a minute after the first refusal) has not passed: no try yet.
    deployment.sink.fail_with(None)
    code, out = deployment.poll(at(seconds=30))
    assert code == 0 and f"sent 0, waiting {total}" in out, out
    assert deployment.sink.messages == []

    # Past the backoff: everything goes, once.
    code, out = deployment.poll(at(seconds=61))
    assert code == 0 and f"sent {total}, waiting 0" in out, out
    code, out = deployment.poll(at(hours=2))
    assert code == 0 and "sent 0, waiting 0" in out, out

    t = assert_all_handled(deployment, numbers)
    assert t.sent == total
    ids = [email.message_from_bytes(m.raw)["Message-ID"] for m in deployment.sink.messages]
    assert len(set(ids)) == total  # no mail went out twice
    assert outbox(deployment) == []  # sent mail left the hot outbox


# --- 2. SMTP 5xx for one recipient ----------------------------------------------------------


class _RefusingHandler(_Handler):
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        sink = self._sink
        assert isinstance(sink, RefusingSink)
        if address in sink.refused:
            sink.refusals.append(address)
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        return await super().handle_RCPT(server, session, envelope, address, options)


class RefusingSink(SmtpSink):
    """The test sink, answering RCPT TO for the addresses in `refused` with 550 (no such
    mailbox) and counting those refusals. `fail_with(550, stage="rcpt")` refuses every
    recipient; this refuses one, so the others can be seen to go out in the same flush."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()
        self.refusals: list[str] = []

    def start(self) -> None:
        if self._controller is None:
            handler = _RefusingHandler(self)
            self._controller = Controller(
                handler, hostname=self.host, port=self.port, server_hostname="devmail.localhost"
            )
            self._controller.start()


@pytest.fixture
def refusing_sink() -> Iterator[RefusingSink]:
    with RefusingSink() as sink:
        yield sink


BOUNCING = complainant(2)  # a complainant whose address does not exist


def refuse_one_acknowledgement(tmp_path: Path, imap, sink: RefusingSink) -> Deployment:
    """Three complaints; the second complainant's mailbox does not exist."""
    dep = Deployment(tmp_path, imap, sink)
    deliver(imap, [complaint(n) for n in range(1, 4)])
    sink.refused.add(BOUNCING)
    code, out = dep.poll(at())
    # 8 of the 9 mails of three cases, and the 2 staff told of the refusal in the same run
    assert code == 0 and "sent 10" in out and "failed 1" in out, out
    assert sink.refusals == [BOUNCING]
    return dep


def test_a_permanent_refusal_for_one_recipient_is_recorded_and_not_retried(
    tmp_path: Path, imap_server, refusing_sink
) -> None:
    dep = refuse_one_acknowledgement(tmp_path, imap_server, refusing_sink)

    [failed] = [m for m in outbox(dep) if m.to == BOUNCING]
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550" in (failed.last_error or "") and BOUNCING in (failed.last_error or "")
    t = tally(dep)  # the others all went out, in the same run, and the staff were told
    assert t.sent == 3 * MAILS_PER_CASE - 1 + len(STAFF)
    assert t.acks == Counter({complainant(1): 1, complainant(3): 1})
    assert (t.inbox, t.processed, t.quarantine) == (0, 3, 0)

    # Hours and days later, the mailbox still missing: a permanent refusal is not tried again.
    for later in (at(hours=2), at(days=1), at(days=3)):
        code, out = dep.poll(later)
        assert code == 0 and "failed 0" in out, out
    assert refusing_sink.refusals == [BOUNCING]
    [still] = [m for m in outbox(dep) if m.message_id == failed.message_id]
    assert (still.status, still.attempts) == ("failed", 1)
    assert tally(dep).acks == Counter({complainant(1): 1, complainant(3): 1})


@pytest.mark.parametrize("imap_server", ["pymap"], indirect=True)  # one server is enough here
def test_a_permanent_refusal_is_recorded_on_the_case_and_the_staff_told(
    tmp_path: Path, imap_server, refusing_sink
) -> None:
    dep = refuse_one_acknowledgement(tmp_path, imap_server, refusing_sink)
    [case] = [c for c in dep.cases() if c.complainant.email == BOUNCING]
    recorded = [e for e in case.events if BOUNCING in e.detail or "550" in e.detail]
    assert recorded, [(e.action, e.detail) for e in case.events]
    told = [
        m
        for m in dep.sink.messages
        if set(m.rcpt_tos) & set(STAFF)
        and f"Subject: Mail niet bezorgd bij {BOUNCING} [{case.id}]".encode() in m.raw
    ]
    assert len(told) == len(STAFF)  # in the same run as the refusal, once each


# --- 3. IMAP server stopped and restarted while the daemon is in IDLE ----------------------


class Watch:
    """What the daemon's mailboxes did: sessions opened, failed connects, the latest wait."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.sessions = 0
        self.failed_connects = 0
        self.waiting_in = 0  # the session in which the daemon last began to wait

    def note(self, **changes: int) -> None:
        with self.changed:
            for name, value in changes.items():
                setattr(self, name, value)
            self.changed.notify_all()

    def until(self, what: str, predicate: Callable[[], bool], timeout: float) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), f"timed out waiting for {what}"


class WatchedMailbox(ImapMailbox):
    """The real adapter; the test only learns when it connects and when it starts to wait."""

    def __init__(self, settings, watch: Watch) -> None:
        super().__init__(settings)
        self.watch = watch

    def connect(self) -> None:
        try:
            super().connect()
        except Exception:
            self.watch.note(failed_connects=self.watch.failed_connects + 1)
            raise
        self.watch.note(sessions=self.watch.sessions + 1)

    def wait_for_mail(self, timeout, should_stop=lambda: False):  # type: ignore[override]
        self.watch.note(waiting_in=self.watch.sessions)
        return super().wait_for_mail(timeout, should_stop)


def wait_for_ack(sink: SmtpSink, address: str, timeout: float) -> None:
    """Block until the sink has received a mail for `address` (woken by each arrival)."""
    deadline = time.monotonic() + timeout
    while not any(address in m.rcpt_tos for m in sink.messages):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no mail for {address} within {timeout} s")
        with contextlib.suppress(TimeoutError):
            sink.wait_for(len(sink.messages) + 1, timeout=left)


def test_dovecot_stopped_and_restarted_mid_idle_the_daemon_reconnects_and_idles_again(
    tmp_path: Path, imap_server, smtp_sink
) -> None:
    if imap_server.kind != "dovecot":
        pytest.skip("pymap runs in memory in this process: it cannot be restarted with its mail")
    server = imap_server.server
    # A poll interval far beyond the test's timeouts: only IDLE can wake the daemon in time.
    dep = Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)
    app = build_app(dep.settings)
    watch = Watch()
    daemon = Daemon(
        dep.settings,
        app.service,
        OffsetClock(datetime(2026, 3, 15, 3, 0, tzinfo=UTC)),  # a Sunday night: no digest
        lambda: WatchedMailbox(dep.settings.imap, watch),
        app.sender,
        imap_backoff=Backoff(initial=0.2, maximum=1.0),
    )
    thread = threading.Thread(target=daemon.run, name="mailbot-daemon", daemon=True)
    thread.start()
    try:
        watch.until("the first IDLE", lambda: watch.waiting_in == 1, 10)
        deliver(dep.imap, [complaint(1)])
        wait_for_ack(dep.sink, complainant(1), 15)

        server.stop()  # the whole Dovecot process group: the IDLE connection drops
        try:
            watch.until("two failed reconnects", lambda: watch.failed_connects >= 2, 15)
            sessions_before = watch.sessions  # none can begin while the server is down
        finally:
            server.start()
        watch.until("IDLE in a new session", lambda: watch.waiting_in > sessions_before, 15)
        deliver(dep.imap, [complaint(2)])
        wait_for_ack(dep.sink, complainant(2), 15)
        dep.sink.wait_for(2 * MAILS_PER_CASE, timeout=10)
    finally:
        daemon.stop.set()
        thread.join(timeout=10)
        app.close()
    assert not thread.is_alive()
    assert_all_handled(dep, range(1, 3))


# --- 4. A store write failing ---------------------------------------------------------------


@contextlib.contextmanager
def store_file_unwritable(data_dir: Path) -> Iterator[str]:
    """The next commit of store.json fails; everything else in the data dir stays writable.

    As root, chmod does not stop a write. `chattr +i` does: an immutable file cannot be replaced
    (os.replace -> EPERM), not even by root, while the temp file beside it and the raw .eml
    files can still be written — so exactly the store's commit fails, as with an unwritable
    store file. Without root, a read-only data dir does the same (no temp file can be created).
    """
    store = data_dir / STORE_FILE
    if os.geteuid() != 0:
        data_dir.chmod(0o500)
        try:
            yield "Permission denied"
        finally:
            data_dir.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("as root only chattr +i makes the store unwritable; chattr is not installed")
    done = subprocess.run([chattr, "+i", str(store)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {done.stderr.strip()}")
    try:
        yield "Operation not permitted"
    finally:
        subprocess.run([chattr, "-i", str(store)], check=True)


@contextlib.contextmanager
def disk_full(data_dir: Path) -> Iterator[str]:
    """Fill the data dir's file system to the last byte: every write there fails with ENOSPC.
    A real full disk, not a simulated one: the data dir is a small tmpfs of its own (`tmpfs`),
    so only this test's data dir fills up."""
    filler = data_dir / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for size in (65536, 4096, 1):  # to the last byte
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    probe = data_dir / "probe"
    with pytest.raises(OSError) as full:
        probe.write_bytes(b"x")
    assert full.value.errno == errno.ENOSPC
    try:
        yield "No space left on device"
    finally:
        filler.unlink()
        probe.unlink(missing_ok=True)


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "2m") -> Iterator[None]:
    """Mount a small tmpfs at `path` (needs root or CAP_SYS_ADMIN; skipped where refused)."""
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def assert_clear_error(stderr: str, data_dir: Path, why: str) -> None:
    """One line naming the file in the data dir that could not be written, and why; no
    traceback."""
    pattern = rf"^error: cannot write {re.escape(str(data_dir))}/\S+: {why}$"
    assert re.search(pattern, stderr, re.M), stderr
    assert "Traceback" not in stderr


FAULTS = {"store-unwritable": store_file_unwritable, "disk-full": disk_full}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_store_write_keeps_the_old_store_and_the_mail_in_the_inbox(
    tmp_path: Path, imap_server, smtp_sink, capfd, fault: str
) -> None:
    data_dir = tmp_path / "data"
    with contextlib.ExitStack() as stack:
        if fault == "disk-full":
            stack.enter_context(tmpfs(data_dir))
        dep = Deployment(tmp_path, imap_server, smtp_sink)
        deliver(dep.imap, [complaint(1)])
        assert dep.poll(at())[0] == 0
        store = data_dir / STORE_FILE
        before = store.read_bytes()
        deliver(dep.imap, [complaint(2)])
        capfd.readouterr()

        with FAULTS[fault](data_dir) as why:
            code, out = dep.poll(at(minutes=1))
            err = capfd.readouterr().err
            assert code == 1, out
            assert_clear_error(err, data_dir, why)
            assert store.read_bytes() == before  # the old store, untouched...
            assert [c.id for c in dep.cases()] == ["KL-2026-0001"]  # ...and readable
            t = tally(dep)
            assert (t.inbox, t.processed, t.quarantine) == (1, 1, 0)  # mail 2 still waits
            assert t.acks == Counter({complainant(1): 1})
            assert t.sent == MAILS_PER_CASE

        code, out = dep.poll(at(minutes=2))  # the fault is gone: handled, once
        assert code == 0 and "1 new case(s)" in out, out
        code, out = dep.poll(at(minutes=3))
        assert code == 0 and "fetched 0" in out and "sent 0" in out, out
        t = assert_all_handled(dep, range(1, 3))
        assert t.sent == 2 * MAILS_PER_CASE
        assert [c.id for c in dep.cases()] == ["KL-2026-0001", "KL-2026-0002"]


@pytest.mark.parametrize("imap_server", ["pymap"], indirect=True)  # not about the server
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_store_write_leaves_no_temp_file_behind(
    tmp_path: Path, imap_server, smtp_sink, fault: str
) -> None:
    data_dir = tmp_path / "data"
    with contextlib.ExitStack() as stack:
        if fault == "disk-full":
            stack.enter_context(tmpfs(data_dir))
        dep = Deployment(tmp_path, imap_server, smtp_sink)
        deliver(dep.imap, [complaint(1)])
        assert dep.poll(at())[0] == 0
        deliver(dep.imap, [complaint(2)])
        with FAULTS[fault](data_dir):
            assert dep.poll(at(minutes=1))[0] == 1
        assert sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob(".*.tmp")) == []


@pytest.mark.parametrize("imap_server", ["pymap"], indirect=True)  # not about the server
def test_a_full_disk_with_mail_waiting_sends_nothing_twice(
    tmp_path: Path, imap_server, smtp_sink, capfd
) -> None:
    data_dir = tmp_path / "data"
    with tmpfs(data_dir):
        dep = Deployment(tmp_path, imap_server, smtp_sink)
        deliver(dep.imap, [complaint(1)])
        smtp_sink.stop()
        assert dep.poll(at())[0] == 1  # the case is kept; its three mails wait
        smtp_sink.start()
        capfd.readouterr()
        with disk_full(data_dir) as why:
            for minute in range(1, 4):  # poll-once from cron, once a minute
                code, out = dep.poll(at(minutes=minute))
                err = capfd.readouterr().err
                # A poll that must write fails with a clear line; one whose sends are already
                # in the journal has nothing to do. Either way nothing goes out twice.
                assert code in (0, 1), out
                if code == 1:
                    assert_clear_error(err, data_dir, why)
        assert dep.poll(at(minutes=5))[0] == 0
        ids = Counter(email.message_from_bytes(m.raw)["Message-ID"] for m in smtp_sink.messages)
        assert len(ids) == MAILS_PER_CASE
        assert max(ids.values()) == 1, ids


# --- 5. SIGTERM mid-batch -------------------------------------------------------------------


def allow_replies_per_hour(dep: Deployment, limit: int) -> None:
    """Lift the global cap on automatic replies (default 200 an hour) above the number of
    distinct complainants a test sends at once, so each of them is owed an acknowledgement."""
    text = dep.config.read_text()
    dep.config.write_text(
        text.replace("[security]\n", f"[security]\nmax_auto_replies_per_hour = {limit}\n", 1)
    )
    dep.settings = load_config(dep.config, {})


# The daemon's clock, pinned both in Dutch office hours on a working day (the morning digest is
# due, so it goes out besides the mail the cases cause) and on a Sunday night (no digest).
MOMENTS = {
    "friday-15:30": datetime.fromisoformat("2026-03-13T15:30:00+01:00"),
    "sunday-23:00": datetime.fromisoformat("2026-03-15T23:00:00+01:00"),
}
DIGEST_TAKERS = {"friday-15:30": Counter({ANNA: 1, PIETER: 1}), "sunday-23:00": Counter()}


def sigterm_after_first_case(dep: Deployment, start: datetime) -> tuple[int, float, str]:
    """`mailbot run --at start` on a full inbox, SIGTERM once it logs its first new case: the
    exit code, the seconds from the signal to the exit, and the log."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "run", "-c", str(dep.config), "--at", start.isoformat()],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    first_opened = threading.Event()

    def read_stderr() -> None:  # drain it all: a full pipe would block the daemon
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("INFO opened "):
                first_opened.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert first_opened.wait(30), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("mailbot run did not exit within 10 s of SIGTERM")
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
    return code, took, "".join(lines)


def finish_and_count(dep: Deployment, numbers: range, moment: str) -> None:
    """poll-once handles what the stopped daemon left, minutes later on the daemon's clock;
    then every count is exact: one acknowledgement per complainant, one notice per case to
    each staff member, and the morning digest once to each of them on a working day only."""
    later = (MOMENTS[moment] + timedelta(minutes=10)).isoformat()
    code, out = dep.cli("poll-once", "--at", later)
    assert code == 0, out
    code, out = dep.cli("poll-once", "--at", later)
    assert code == 0 and "fetched 0" in out and "sent 0, waiting 0" in out, out
    t = assert_all_handled(dep, numbers)
    subjects = [
        (rcpt, str(email.message_from_bytes(m.raw, policy=default)["Subject"]))
        for m in dep.sink.messages
        for rcpt in m.rcpt_tos
    ]
    digests = Counter(rcpt for rcpt, subject in subjects if subject.startswith("Dagoverzicht"))
    assert digests == DIGEST_TAKERS[moment]
    for person in STAFF:
        notices = [s for r, s in subjects if r == person and not s.startswith("Dagoverzicht")]
        assert len(notices) == len(numbers)  # one per case: none lost, none doubled
    assert t.sent == len(numbers) * MAILS_PER_CASE + digests.total()


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigterm_mid_batch_exits_within_10_s_and_nothing_is_lost_or_doubled(
    tmp_path: Path, imap_server, smtp_sink, moment: str
) -> None:
    numbers = range(1, 201)
    dep = Deployment(tmp_path, imap_server, smtp_sink, poll_seconds=600)
    allow_replies_per_hour(dep, 1000)
    deliver(dep.imap, [complaint(n) for n in numbers])

    code, took, log = sigterm_after_first_case(dep, MOMENTS[moment])

    assert code == 0, log
    assert "mailbot stopped" in log and "Traceback" not in log, log
    print(
        f"\nSIGTERM: exit {took:.1f} s after the signal, {log.count('INFO opened ')} case(s) by run"
    )
    finish_and_count(dep, numbers, moment)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("imap_server", ["pymap"], indirect=True)  # not about the server
def test_sigterm_stops_after_the_current_batch(
    tmp_path: Path, imap_server, smtp_sink, moment: str
) -> None:
    numbers = range(1, 201)
    dep = Deployment(
        tmp_path, imap_server, smtp_sink, poll_seconds=600, extra_imap="batch_size = 10"
    )
    allow_replies_per_hour(dep, 1000)
    deliver(dep.imap, [complaint(n) for n in numbers])

    code, _, log = sigterm_after_first_case(dep, MOMENTS[moment])

    assert code == 0, log
    # the batch in hand when the signal came, and at most one more begun before it arrived
    assert log.count("INFO opened ") <= 2 * 10
    finish_and_count(dep, numbers, moment)
