"""Shared parts of the benchmarks: servers, the SMTP sink process, mail, config, timing.

Everything talks to 127.0.0.1 only. Every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

from imapclient import IMAPClient  # noqa: E402

from mailbot.config.builder import COMMITTEE, COMPLAINTS, example_config, toml_text  # noqa: E402
from mailbot.config.load import load_config  # noqa: E402
from mailbot.config.settings import Settings  # noqa: E402
from mailbot.demo.devmail import EmbeddedImapServer, free_port  # noqa: E402

from dovecot import DovecotServer, find_dovecot  # noqa: E402  (tests/dovecot.py)

LOOPBACK = "127.0.0.1"
IMAP_PASSWORD = "geheim-bench"
_PAUSE = threading.Event()  # never set: waited on for bounded pauses

# Helpdesk figure of the issue and the targets, in one place.
HELPDESK_RATE = 55.0  # mails/s
TARGET_RATIO = 0.5  # mailbot / reference, same run
TARGET_RATE = 3 * HELPDESK_RATE
TARGET_P95 = {"dovecot": 1.0, "pymap": 0.2}  # seconds
TARGET_SCALE_RATIO = 0.5  # throughput at the largest size / empty store
TARGET_STARTUP = 2.0  # seconds, at 50,000 stored cases
TARGET_RSS_MB = 200.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def log(message: str) -> None:
    print(message, flush=True)


# --- temp dirs ---------------------------------------------------------------------------------


@contextlib.contextmanager
def workspace(prefix: str = "mailbot-bench-", keep: bool = False) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        if keep:
            log(f"(kept {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)


# --- IMAP servers ------------------------------------------------------------------------------


class ImapServer:
    """A private Dovecot (tests/dovecot.py) or an embedded pymap (mailbot.demo.devmail)."""

    def __init__(self, kind: str) -> None:
        if kind not in ("dovecot", "pymap"):
            raise ValueError(f"unknown IMAP server {kind!r}")
        self.kind = kind
        self.host = LOOPBACK
        self._dovecot: DovecotServer | None = None
        self._pymap: EmbeddedImapServer | None = None
        self.port = 0

    def start(self) -> ImapServer:
        if self.kind == "dovecot":
            if find_dovecot() is None:
                raise SystemExit("dovecot is not installed: apt-get install -y dovecot-imapd")
            self._dovecot = DovecotServer()
            self._dovecot.start()
            self.port = self._dovecot.port
        else:
            self._pymap = EmbeddedImapServer(LOOPBACK)
            self._pymap.start()
            self.port = self._pymap.port
        return self

    def add_user(self, username: str, password: str = IMAP_PASSWORD) -> None:
        if self._dovecot is not None:
            self._dovecot.add_user(username, password)
        elif self._pymap is not None:
            self._pymap.add_user(username, password)

    def stop(self) -> None:
        if self._dovecot is not None:
            self._dovecot.cleanup()
            self._dovecot = None
        if self._pymap is not None:
            self._pymap.stop()
            self._pymap = None

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def imap_connect(server: ImapServer, user: str, password: str = IMAP_PASSWORD) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
    client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.login(user, password)
    return client


def append_all(
    server: ImapServer, user: str, raws: Sequence[bytes], folder: str = "INBOX"
) -> float:
    """Append every message over one connection (MULTIAPPEND in chunks where offered);
    returns the seconds it took."""
    start = time.monotonic()
    client = imap_connect(server, user)
    try:
        multi = b"MULTIAPPEND" in client.capabilities()
        if multi:
            for i in range(0, len(raws), 200):
                client.multiappend(folder, list(raws[i : i + 200]))
        else:
            for raw in raws:
                client.append(folder, raw)
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    return time.monotonic() - start


def inbox_count(server: ImapServer, user: str, folder: str = "INBOX") -> int:
    client = imap_connect(server, user)
    try:
        return int(client.select_folder(folder, readonly=True)[b"EXISTS"])
    finally:
        with contextlib.suppress(Exception):
            client.logout()


# --- the SMTP sink process ---------------------------------------------------------------------


@dataclass(frozen=True)
class SinkRecord:
    at: float  # time.monotonic() in the sink process (same clock as ours)
    rcpt: str
    in_reply_to: str
    auto_submitted: str
    size: int


class SinkProcess:
    """bench/sink.py as a child process; reads its log file incrementally."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.log_path = directory / f"sink-{self.port}.log"
        self.log_path.touch()
        self._proc: subprocess.Popen[bytes] | None = None
        self._offset = 0
        self._partial = b""
        self.records: list[SinkRecord] = []

    def start(self, timeout: float = 15.0) -> SinkProcess:
        log = str(self.log_path)
        self._proc = subprocess.Popen(
            [sys.executable, str(BENCH / "sink.py"), "--port", str(self.port), "--log", log],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self._proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        if not line.startswith(b"ready"):
            self.stop()
            raise RuntimeError(f"SMTP sink did not start within {timeout} s: {line!r}")
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def refresh(self) -> list[SinkRecord]:
        """Read lines the sink wrote since the last call; all records so far."""
        with self.log_path.open("rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        self._offset += len(data)
        data = self._partial + data
        *lines, self._partial = data.split(b"\n")
        for line in lines:
            at, rcpt, irt, auto, size = line.decode("utf-8", "replace").split("\t")
            self.records.append(SinkRecord(float(at), rcpt, irt, auto, int(size)))
        return self.records

    def count(self) -> int:
        return len(self.refresh())

    def wait_count(self, count: int, timeout: float, interval: float = 0.001) -> bool:
        deadline = time.monotonic() + timeout
        while self.count() < count:
            if time.monotonic() > deadline:
                return False
            _PAUSE.wait(interval)
        return True

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> SinkProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- mailbot config ----------------------------------------------------------------------------


def write_config(
    directory: Path,
    *,
    server: ImapServer,
    imap_user: str,
    smtp_port: int,
    data_dir: Path | None = None,
    poll_seconds: int = 300,
    idle: bool = True,
    batch_size: int = 100,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    password_file = directory / "imap-password"
    password_file.write_text(IMAP_PASSWORD)
    password_file.chmod(0o600)
    config = example_config(
        organisation={"language": "nl", "timezone": "Europe/Amsterdam"},
        imap={
            "host": server.host,
            "port": server.port,
            "username": imap_user,
            "password_file": password_file,
            "idle": idle,
            "poll_seconds": poll_seconds,
            "batch_size": batch_size,
            "timeout_seconds": 30,
        },
        smtp={"port": smtp_port, "timeout_seconds": 30},
        # The benchmark's senders are thousands of distinct people, not a flood: lift the
        # hourly cap on automatic replies (default 200) so every complaint gets its
        # acknowledgement.
        security={"trusted_authserv_id": "mx.example.nl", "max_auto_replies_per_hour": 1_000_000},
        storage={"data_dir": data_dir or directory / "data"},
    )
    path = directory / "mailbot.toml"
    path.write_text(toml_text(config))
    return path


def settings_of(config: Path) -> Settings:
    return load_config(config, {})


def sends_per_mail(settings: Settings, track: str) -> int:
    """What mailbot sends for a new complaint under this config: one acknowledgement to the
    complainant plus one staff notification per recipient of role "case-staff" (read from
    mailbot's own recipient rules, so the count follows the config)."""
    from mailbot.model import Party
    from mailbot.outbound.build import recipients
    from mailbot.procedure import new_case

    case = new_case("KL-2026-0001", track, Party("x", "x@example.org"), "nl", datetime.now(UTC))
    return 1 + len(recipients("case-staff", case, settings))


def expected_sends(settings: Settings, mails: Sequence[GeneratedMail]) -> int:
    per_track = {t: sends_per_mail(settings, t) for t in ("direct", "formal")}
    return sum(per_track[m.track] for m in mails)


# --- mailbot as a process ----------------------------------------------------------------------


def mailbot_command() -> list[str]:
    """The venv's `mailbot` console script, else the same entry point through -c."""
    wrap = shlex.split(os.environ.get("BENCH_WRAP", ""))  # e.g. "py-spy record -o f.svg --"
    script = Path(sys.executable).parent / "mailbot"
    if script.exists():
        return [*wrap, str(script)]
    entry = "import sys; from mailbot.cli.main import main; sys.exit(main())"
    return [*wrap, sys.executable, "-c", entry]


@dataclass
class ProcessResult:
    returncode: int | None
    seconds: float
    maxrss_mb: float
    timed_out: bool = False
    stdout: str = ""


def run_timed(
    cmd: Sequence[str], timeout: float, stderr_path: Path, cwd: Path | None = None
) -> ProcessResult:
    """Run a process, time it from spawn to exit, and take its own peak RSS (wait4)."""
    with stderr_path.open("ab") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, cwd=cwd
        )
    done: dict[str, Any] = {}

    def reap() -> None:
        _, status, usage = os.wait4(proc.pid, 0)
        done["at"] = time.monotonic()
        done["status"] = status
        done["usage"] = usage

    out_chunks: list[bytes] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reaper = threading.Thread(target=reap, daemon=True)
    reader.start()
    reaper.start()
    reaper.join(timeout)
    timed_out = reaper.is_alive()
    if timed_out:
        proc.kill()
        reaper.join(10)
    reader.join(10)
    proc.stdout.close()
    status = done.get("status")
    proc.returncode = os.waitstatus_to_exitcode(status) if status is not None else -9
    usage = done.get("usage")
    return ProcessResult(
        returncode=proc.returncode,
        seconds=done.get("at", time.monotonic()) - start,
        maxrss_mb=(usage.ru_maxrss / 1024) if usage else float("nan"),
        timed_out=timed_out,
        stdout=b"".join(out_chunks).decode(errors="replace"),
    )


class Daemon:
    """`mailbot run` as a child process with its stderr in a file we can watch."""

    def __init__(self, config: Path, stderr_path: Path) -> None:
        self.config = config
        self.stderr_path = stderr_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> Daemon:
        self.stderr_path.write_bytes(b"")
        with self.stderr_path.open("ab") as err:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(
                [*mailbot_command(), "run", "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        return self

    def wait_for_log(self, needle: str, timeout: float, interval: float = 0.002) -> float | None:
        """Seconds from spawn until `needle` appears on its stderr; None on timeout/exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle.encode() in self.stderr_path.read_bytes():
                return time.monotonic() - self.started_at
            if self.proc is not None and self.proc.poll() is not None:
                return None
            _PAUSE.wait(interval)
        return None

    def peak_rss_mb(self) -> float:
        """VmHWM: the process's peak resident set so far."""
        assert self.proc is not None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def log_tail(self, lines: int = 15) -> str:
        text = self.stderr_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- realistic Dutch complaint mails ------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


FIRST_NAMES = _words(
    "Anouk Bas Carlijn Daan Eline Floor Gijs Hanneke Ilse Joost Kees Lotte Maarten Noor "
    "Olaf Petra Quinten Roos Sander Tessa Ugo Vera Wouter Xandra Yvonne Zeger Fenna Jelle "
    "Merel Ruben Sietske Thijs Marloes Hidde Annemieke Geert Liesbeth Bram Janneke Wessel"
)
LAST_NAMES = _words(
    "van Dijk|de Boer|Mulder|Visser|Smit|Meijer|de Groot|Bos|Vos|Peters|Hendriks|"
    "van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|van der Linden|"
    "Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|van der Veen|van den Broek|de Bruijn|"
    "Schouten|Willems|van Wijk|Postma|Kuiper|Veenstra|Kramer|van den Brink|Scholten|"
    "van Vliet|Hoekstra|Koster",
    "|",
)
TOPICS = (
    ("de training Timemanagement op {date}", "de trainer kwam een uur te laat"),
    ("de factuur {ref}", "er is twee keer hetzelfde bedrag afgeschreven"),
    ("de coachingssessie van {date}", "de afspraak werd zonder bericht afgezegd"),
    ("het cursusmateriaal", "het werkboek ontbrak bij de eerste bijeenkomst"),
    ("de workshop Leidinggeven op {date}", "de locatie was niet toegankelijk met een rolstoel"),
    ("mijn inschrijving {ref}", "mijn aanmelding is kwijtgeraakt"),
    ("het certificaat", "ik heb na zes weken nog steeds geen certificaat ontvangen"),
    ("de online module", "de inlogcodes werken al dagen niet"),
    ("de annuleringskosten", "er worden annuleringskosten gerekend die nergens vermeld staan"),
    ("het gedrag van een medewerker", "ik ben aan de telefoon onvriendelijk behandeld"),
)
OPENINGS = (
    "Geachte heer, mevrouw,",
    "Beste medewerkers,",
    "Goedemiddag,",
    "Geachte klachtencoördinator,",
    "Hallo,",
)
MIDDLES = (
    "Ik heb dit al eerder telefonisch gemeld, maar er is nooit iets mee gedaan.",
    "Dit is niet de eerste keer dat zoiets gebeurt, en ik vind het erg teleurstellend.",
    "Volgens de website zou ik binnen vijf werkdagen antwoord krijgen; dat is niet gebeurd.",
    "Mijn collega's hebben hetzelfde meegemaakt, dus het lijkt me geen toeval.",
    "Ik heb er een halve dag vrij voor genomen en de reiskosten zelf betaald.",
    "Graag ontvang ik een schriftelijke reactie en een voorstel voor een oplossing.",
    "Ik verwacht dat het te veel betaalde bedrag binnen twee weken wordt teruggestort.",
    "Kunt u mij laten weten wie mijn klacht behandelt en wanneer ik iets hoor?",
    "Ik wil u vragen hier serieus naar te kijken, want het heeft veel ongemak veroorzaakt.",
    "De sfeer in de groep was verder prima, daar ligt het niet aan.",
    "Ik heb de betalingsbevestiging en de mailwisseling bewaard, die kan ik nasturen.",
    "Het is voor mij belangrijk dat dit voor de volgende bijeenkomst is opgelost.",
)
CLOSINGS = ("Met vriendelijke groet,", "Vriendelijke groeten,", "Groet,", "Hoogachtend,")
MONTHS = _words(
    "januari februari maart april mei juni juli augustus september oktober november december"
)
PDF_NAMES = ("factuur.pdf", "bevestiging.pdf", "scan-brief.pdf", "betaalbewijs.pdf")


@dataclass(frozen=True)
class GeneratedMail:
    raw: bytes
    message_id: str  # without brackets
    sender: str
    track: str  # direct | formal (addressed to the committee)
    kind: str  # plain | html | attachment


def _slug(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", ".") if c.isalnum() or c == ".")


def _pdf_like(rng: random.Random) -> bytes:
    lines = [b"%PDF-1.4", b"%\xe2\xe3\xcf\xd3"]
    for i in range(rng.randint(20, 60)):
        lines.append(f"{i + 1} 0 obj << /Length {rng.randint(50, 900)} >> stream".encode())
        lines.append(rng.randbytes(rng.randint(40, 120)))
        lines.append(b"endstream endobj")
    lines.append(b"trailer << /Root 1 0 R >>\n%%EOF")
    return b"\n".join(lines)


@dataclass(frozen=True)
class Complaint:
    name: str
    sender: str
    domain: str
    subject: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs) + "\n"


def invent_complaint(rng: random.Random, i: int, seed: int) -> Complaint:
    """One invented complainant (a distinct address per `i` and `seed`) and their text."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    domain = rng.choice(("example.org", "example.nl"))
    sender = f"{_slug(first)}.{_slug(last)}.{seed}x{i}@{domain}"
    subject_of, problem = rng.choice(TOPICS)
    date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)}"
    ref = f"{rng.randint(2024, 2026)}-{rng.randint(1000, 99999)}"
    about = subject_of.format(date=date, ref=ref)
    paragraphs = (
        rng.choice(OPENINGS),
        f"Hierbij wil ik een klacht indienen over {about}: {problem}.",
        " ".join(rng.sample(MIDDLES, rng.randint(2, 5))),
        " ".join(rng.sample(MIDDLES, rng.randint(1, 3))),
        f"{rng.choice(CLOSINGS)}\n{name}\n06-{rng.randint(10000000, 99999999)}",
    )
    return Complaint(name, sender, domain, f"Klacht over {about}", paragraphs)


def generate_mails(
    n: int, seed: int = 42, start: datetime | None = None, formal_share: float = 0.0
) -> list[GeneratedMail]:
    """`n` distinct complaint mails (distinct senders), deterministic for a seed: ~15% with an
    HTML alternative, ~10% with a small PDF-like attachment; `formal_share` of them go to the
    committee address (formal track; off by default while that track is being built)."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC) - timedelta(hours=2)
    mails = []
    for i in range(n):
        c = invent_complaint(rng, i, seed)
        track = "formal" if rng.random() < formal_share else "direct"
        roll = rng.random()
        kind = "html" if roll < 0.15 else "attachment" if roll < 0.25 else "plain"
        message_id = f"{rng.getrandbits(64):016x}.{i}@mail.{c.domain}"
        msg = EmailMessage()
        sent_at = start + timedelta(seconds=i * 3 + rng.randint(0, 2))
        msg["Received"] = (
            f"from mail.{c.domain} (mail.{c.domain} [192.0.2.{rng.randint(1, 254)}]) by "
            f"mx.example.nl with ESMTPS id {rng.getrandbits(40):010x}; {format_datetime(sent_at)}"
        )
        msg["Authentication-Results"] = f"mx.example.nl; spf=pass smtp.mailfrom={c.domain}"
        msg["From"] = f"{c.name} <{c.sender}>"
        msg["To"] = COMMITTEE if track == "formal" else COMPLAINTS
        msg["Subject"] = c.subject
        msg["Date"] = format_datetime(sent_at)
        msg["Message-ID"] = f"<{message_id}>"
        msg["MIME-Version"] = "1.0"
        msg["User-Agent"] = rng.choice(("Thunderbird 128.3", "Outlook 16.0", "Apple Mail 16.0"))
        msg.set_content(c.text)
        if kind == "html":
            body = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in c.paragraphs)
            msg.add_alternative(f"<html><body>{body}</body></html>", subtype="html")
        elif kind == "attachment":
            msg.add_attachment(
                _pdf_like(rng), maintype="application", subtype="pdf",
                filename=rng.choice(PDF_NAMES),
            )  # fmt: skip
        raw = msg.as_bytes(policy=SMTP_POLICY)
        mails.append(GeneratedMail(raw, message_id, c.sender, track, kind))
    return mails


def describe_mails(mails: Sequence[GeneratedMail]) -> str:
    kinds = {k: sum(1 for m in mails if m.kind == k) for k in ("plain", "html", "attachment")}
    formal = sum(1 for m in mails if m.track == "formal")
    size = sum(len(m.raw) for m in mails) / max(len(mails), 1)
    return (
        f"{len(mails)} mails: {kinds['plain']} plain, {kinds['html']} with HTML, "
        f"{kinds['attachment']} with a PDF attachment; {formal} to the committee; "
        f"mean {size / 1024:.1f} KiB"
    )


# --- results ---------------------------------------------------------------------------------


@dataclass
class Results:
    """Figures of one script, for printing and for run_all (JSON)."""

    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)

    def check(self, what: str, value: str, target: str, ok: bool) -> None:
        self.checks.append({"what": what, "value": value, "target": target, "ok": ok})

    def dump(self, path: str | None) -> None:
        if path:
            Path(path).write_text(json.dumps(self.__dict__, indent=2, default=str))

    def print_checks(self) -> None:
        if not self.checks:
            return
        width = max(len(c["what"]) for c in self.checks)
        vwidth = max(len(c["value"]) for c in self.checks)
        log("")
        for c in self.checks:
            log(
                f"  {c['what']:<{width}}  {c['value']:>{vwidth}}  target {c['target']:<18} "
                f"{verdict(c['ok'])}"
            )


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


# --- stored cases, made through the store's own API ---------------------------------------------

ACK_TEXT = (
    "Geachte {name},\n\nHartelijk dank voor uw bericht. Wij hebben uw klacht op {when} ontvangen "
    "en geregistreerd onder nummer {cid}. Wilt u dit nummer vermelden als u ons over deze klacht "
    "schrijft? Als u op deze e-mail antwoordt, gaat dat vanzelf goed.\n\nWat gebeurt er nu?\n\n"
    "Een van onze contactpersonen neemt uw klacht in behandeling en neemt binnen 1 werkdag "
    "contact met u op. Wij streven ernaar uw klacht binnen 5 werkdagen op te lossen. Lukt dat "
    "niet, dan stellen wij u een gesprek voor om samen tot een oplossing te komen.\n\n"
    "Met vriendelijke groet,\n\nVoorbeeld Training & Coaching\nklachten@example.nl\n"
)
STAFF_TEXT = (
    "Er is een nieuwe klacht binnengekomen.\n\nZaak:        {cid} (direct oplossen)\n"
    "Klager:      {name} <{email}>\nOntvangen:   {when}\nOnderwerp:   {subject}\n\n"
    "Eerste reactie uiterlijk binnen 1 werkdag; oplossing streefdatum binnen 5 werkdagen.\n\n"
    "De klager heeft een ontvangstbevestiging met het zaaknummer gekregen.\n\n"
    "--- Bericht van de klager ---\n{text}--- Einde bericht ---\n\nAntwoord op deze e-mail om "
    "de zaak te behandelen. Uw antwoord wordt vastgelegd in het dossier en niet naar de klager "
    "gestuurd.\n"
)
STAFF = (("Anna de Vries", "anna@example.nl"), ("Pieter Bakker", "pieter@example.nl"))


def make_cases(n: int, seed: int = 7, now: datetime | None = None) -> Iterator[tuple[Any, Any]]:
    """`n` realistic stored cases spread over the last three years, the newest ~5% open, each
    with the complaint, its acknowledgement and two staff notifications (as mailbot records
    them), a staff reply on the closed ones, and their deadlines; yields (Case, SeenRecord)."""
    import hashlib

    from mailbot.model import Case, Deadline, Event, MessageRecord, Party, SeenRecord

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    first = now - timedelta(days=3 * 365)
    step = (now - first - timedelta(days=2)) / max(n, 1)
    sequence: dict[int, int] = {}
    open_count = max(min(n, 20), n // 20)
    for i in range(n):
        c = invent_complaint(rng, i, seed)
        received = first + step * i
        sequence[received.year] = sequence.get(received.year, 0) + 1
        cid = f"KL-{received.year}-{sequence[received.year]:04d}"
        when = received.strftime("%d-%m-%Y %H:%M")
        text = c.text
        sha = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
        mid = f"{rng.getrandbits(64):016x}.{i}@mail.{c.domain}"
        subject = f"{c.subject}"
        messages = [
            MessageRecord(mid, "in", c.sender, (COMPLAINTS,), subject, received, text, sha256=sha),
            MessageRecord(
                f"{sha[:24]}@mailbot.example.nl", "out", COMPLAINTS, (c.sender,),
                f"Ontvangstbevestiging van uw klacht [{cid}]", received,
                ACK_TEXT.format(name=c.name, when=when, cid=cid),
            ),
        ]  # fmt: skip
        for staff_name, staff_mail in STAFF:
            messages.append(
                MessageRecord(
                    f"{sha[24:48]}.{staff_name[0]}@mailbot.example.nl", "out", COMPLAINTS,
                    (staff_mail,), f"Nieuwe klacht [{cid}]: {subject}", received,
                    STAFF_TEXT.format(
                        cid=cid, name=c.name, email=c.sender, when=when, subject=subject,
                        text=text,
                    ),
                )
            )  # fmt: skip
        events = [Event(received, c.sender, "received", "direct")]
        # Old cases are closed; the newest ~5% are open, their terms running into the future
        # (so no reminder or escalation falls due while a benchmark runs).
        closed = i < n - open_count
        response = Deadline("direct.response", received + timedelta(days=1), met_at=received)
        if closed:
            done = received + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
            answer = (
                f"Geachte {c.name},\n\nNaar aanleiding van uw klacht hebben wij contact met u "
                "opgenomen. Zoals besproken zorgen wij voor een passende oplossing.\n\n"
                "Met vriendelijke groet,\nAnna de Vries\n"
            )
            messages.append(
                MessageRecord(
                    f"{sha[48:]}.r@example.nl", "out", "anna@example.nl", (c.sender,),
                    f"Re: {subject} [{cid}]", done, answer,
                )
            )  # fmt: skip
            events.append(Event(done, "anna@example.nl", "closed", "opgelost"))
            resolution = Deadline("direct.resolution", received + timedelta(days=7), met_at=done)
        else:
            due = now + timedelta(days=rng.randint(5, 40))
            resolution = Deadline("direct.resolution", due)
        deadlines = (response, resolution)
        case = Case(
            id=cid,
            track="direct",
            stage="closed" if closed else "acknowledged",
            status="closed" if closed else "open",
            complainant=Party(c.name, c.sender),
            received_at=received,
            language="nl",
            contact="anna@example.nl" if closed else None,
            closed_at=done if closed else None,
            deadlines=deadlines,
            messages=tuple(messages),
            events=tuple(events),
        )
        seen = SeenRecord(sha, mid, sha, "case", received, case_id=cid)
        yield case, seen


def prefill_store(data_dir: Path, n: int, chunk: int = 5000, seed: int = 7) -> dict[str, float]:
    """Store `n` cases in `data_dir` through Store.open / apply / commit; timings in s."""
    from mailbot.model import Changes
    from mailbot.store.store import Store

    t0 = time.monotonic()
    build = apply = 0.0
    batch_cases: list[Any] = []
    batch_seen: list[Any] = []
    with Store.open(data_dir) as store:
        for case, seen in make_cases(n, seed):
            batch_cases.append(case)
            batch_seen.append(seen)
            if len(batch_cases) >= chunk:
                t = time.monotonic()
                store.apply(Changes(cases=batch_cases, seen=batch_seen))
                apply += time.monotonic() - t
                batch_cases, batch_seen = [], []
        t = time.monotonic()
        if batch_cases:
            store.apply(Changes(cases=batch_cases, seen=batch_seen))
        apply += time.monotonic() - t
        build = time.monotonic() - t0 - apply
        t = time.monotonic()
        store.commit()
        # A running mailbot moves closed cases and old dedupe keys to the cold store as it
        # goes; the prefilled store is put in that state too.
        if hasattr(store, "archive"):
            store.backup(datetime.now(UTC))  # as the daemon's round does before archiving
            store.archive(datetime.now(UTC))
        commit = time.monotonic() - t
    size = (data_dir / "store.json").stat().st_size if (data_dir / "store.json").exists() else 0
    return {
        "build_s": build,
        "apply_s": apply,
        "commit_s": commit,
        "total_s": time.monotonic() - t0,
        "store_mb": size / 1e6,
    }


def time_next_wakeup(config: Path, repeat: int = 5) -> dict[str, float] | None:
    """Open the store as the daemon does (in this process) and time the daemon's computation
    of its next wake-up over all open deadlines (`Service.next_deadline`); None when this
    mailbot has no deadlines yet. Seconds: store load, and the best and median call."""
    from mailbot.daemon.app import build_app

    settings = settings_of(config)
    t = time.monotonic()
    with build_app(settings) as app:
        load = time.monotonic() - t
        service = app.service
        if not hasattr(service, "next_deadline"):
            return None
        now = datetime.now(UTC)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            service.next_deadline(now)
            times.append(time.perf_counter() - t)
        open_cases = sum(1 for c in app.store.cases() if c.status == "open")
    return {
        "load_s": load,
        "best_s": min(times),
        "median_s": percentile(times, 50),
        "open_cases": open_cases,
    }
