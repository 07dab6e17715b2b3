"""`mailbot demo`: a local mail system on loopback and a walk through all three tracks."""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

from mailbot.clock import FixedClock, OffsetClock
from mailbot.config.load import load_config
from mailbot.config.settings import Settings
from mailbot.daemon.app import App, build_app
from mailbot.daemon.runner import Daemon
from mailbot.demo.mailsystem import MailSystem
from mailbot.demo.narrator import WIDTH, Narrator
from mailbot.demo.office import ACCOUNTS, ALIASES, COMMITTEE, COMPLAINTS, config_toml
from mailbot.demo.script import AMSTERDAM, START, Demo, play
from mailbot.errors import MailbotError

EXIT_OK, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 130
STOP_TIMEOUT = 10.0

__all__ = ["run"]


def run(
    *, keep_running: bool = False, out: TextIO = sys.stdout, stop: threading.Event | None = None
) -> int:
    """Play the demo; with `keep_running`, then leave the mail system (and mailbot) up until
    `stop` is set or Ctrl-C. Everything it started is stopped and removed on the way out."""
    stop = stop or threading.Event()
    started = time.monotonic()
    try:
        with _quiet_logs(), _terminate_as_interrupt(), ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mailbot-demo-")))
            clock = FixedClock(START)
            system = stack.enter_context(MailSystem(list(ACCOUNTS), dict(ALIASES), clock=clock))
            settings = _configure(tmp, system)
            app = stack.enter_context(build_app(settings))
            narrator = Narrator(out, clock, AMSTERDAM, _label(system))
            _intro(narrator, system, tmp)
            mailbox = stack.enter_context(app.mailbox())
            demo = Demo(system, app, mailbox, app.sender, clock, narrator)
            play(demo)
            _summary(narrator, demo, time.monotonic() - started)
            if keep_running:
                mailbox.close()
                _serve(narrator, system, app, settings, clock, stop)
        if keep_running:
            print("   stopped: mail servers down, mailboxes, config and data removed", file=out)
        return EXIT_OK
    except KeyboardInterrupt:
        print("\nmailbot demo: interrupted; everything stopped and removed", file=out)
        return EXIT_INTERRUPTED
    except MailbotError as exc:
        print(f"mailbot demo failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a demo that breaks says how, then cleans up like any other
        traceback.print_exc(file=sys.stderr)
        print(f"mailbot demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the demo as Ctrl-C does, so that it cleans up (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The demo shows the mail; mailbot's own info lines would only clutter it."""
    logger = logging.getLogger("mailbot")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _configure(tmp: Path, system: MailSystem) -> Settings:
    password = tmp / "imap-password"
    password.write_text(system.account(COMPLAINTS).password)
    password.chmod(0o600)
    config = tmp / "mailbot.toml"
    config.write_text(
        config_toml(
            data_dir=tmp / "data",
            password_file=password,
            imap_port=system.imap.port,
            smtp_port=system.smtp.port,
            host=system.imap.host,
        )
    )
    return load_config(config, {})


def _label(system: MailSystem) -> Callable[[str, bool], str]:
    """How the story names an address: people by first name, mailbot as itself."""

    def label(address: str, is_sender: bool) -> str:
        if address == COMPLAINTS:
            return "mailbot" if is_sender else address
        if address == COMMITTEE:
            return address
        try:
            return system.account(address).name.split()[0]
        except KeyError:
            return address

    return label


def _intro(narrator: Narrator, system: MailSystem, tmp: Path) -> None:
    write = narrator.write
    write("mailbot demo: a complete local mail system and a walk through all three tracks")
    write()
    write(f"   IMAP server (pymap)    {system.imap.host}:{system.imap.port}")
    write(f"   SMTP server (aiosmtpd) {system.smtp.host}:{system.smtp.port}")
    write(f"   mailbot's config and data in {tmp} (removed at the end)")
    write("   Mail sent to the SMTP server is delivered into these mailboxes:")
    for account in system.accounts:
        name = _first(account.name) if account.email != COMPLAINTS else "mailbot"
        write(f"     {name:<8} {account.email:<28} {account.role}")
    write()
    write("   Time is simulated (Europe/Amsterdam) and moves forward from Monday 2 March 2026;")
    write("   each mail is shown as it flows: time, from → to, subject, and its first line.")
    write("   On working days mailbot's morning round (08:30) sends staff a digest and what fell")
    write("   due; the demo only visits the days on which something happens.")
    write("   Commands are accepted from the configured staff and committee addresses; there is")
    write("   no authenticating mail server here (in production set trusted_authserv_id).")


def _first(name: str) -> str:
    return name.split()[0]


def _summary(narrator: Narrator, demo: Demo, seconds: float) -> None:
    write = narrator.write
    narrator.section("Summary")
    cases = demo.app.store.cases()
    write(f"   {'case':<14} {'track':<10} {'stage':<10} {'status':<7} complainant")
    for case in cases:
        write(
            f"   {case.id:<14} {case.track:<10} {case.stage:<10} {case.status:<7} "
            f"{case.complainant.name or case.complainant.email}"
        )
    reminded = [f"{case.id} {d.name}" for case in cases for d in case.deadlines if d.reminded_at]
    escalated = [f"{case.id} {d.name}" for case in cases for d in case.deadlines if d.escalated_at]
    for what, found in (
        ("reminders before a term ended", reminded),
        ("escalations after a term ended", escalated),
    ):
        text = f"{what}: {len(found)}" + (f" ({', '.join(found)})" if found else "")
        write(textwrap.fill(text, WIDTH, initial_indent="   ", subsequent_indent="     "))
    flowed = demo.system.smtp.messages
    by_mailbot = sum(1 for m in flowed if m.mail_from.lower() == COMPLAINTS)
    write(f"   mails sent by mailbot: {by_mailbot}; written by people: {demo.written}")
    write("   mailboxes now:")
    for account in demo.system.accounts:
        inbox = demo.system.count(account)
        processed = demo.system.count(account, demo.app.settings.imap.processed_folder)
        extra = f", {processed} handled by mailbot (in Processed)" if processed else ""
        write(f"     {account.email:<28} {inbox} in INBOX{extra}")
    write(f"   played in {seconds:.1f} s of real time")


def _serve(
    narrator: Narrator,
    system: MailSystem,
    app: App,
    settings: Settings,
    clock: FixedClock,
    stop: threading.Event,
) -> None:
    """mailbot's daemon against the mail system, its clock running on from the story's end,
    until `stop` or Ctrl-C; each mail is shown as it is delivered."""
    live = OffsetClock(clock.now())
    narrator.clock = live
    system.imap.clock = live
    system.on_delivery = lambda mail: narrator.mails([mail])
    daemon = Daemon(settings, app.service, live, app.mailbox, app.sender)
    thread = threading.Thread(target=daemon.run, name="mailbot-demo", daemon=True)
    thread.start()
    try:
        cases = app.store.cases()
        case_id = next((c.id for c in cases if c.track == "formal"), "KL-2026-0001")
        _connection_help(narrator, system, settings.source, case_id)
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        narrator.write("\n   stopping")
    finally:
        daemon.stop.set()
        thread.join(STOP_TIMEOUT)
        system.on_delivery = None


def _connection_help(narrator: Narrator, system: MailSystem, config: Path, case_id: str) -> None:
    write = narrator.write
    narrator.section(
        "The mail system stays up",
        "Connect a mail client to any mailbox (plain connections on loopback, no TLS):",
        f"  incoming  IMAP  host {system.imap.host}  port {system.imap.port}",
        f"  outgoing  SMTP  host {system.smtp.host}  port {system.smtp.port}  (no login needed)",
    )
    write()
    write(f"     {'user (the address)':<28} {'password':<9} who")
    for account in system.accounts:
        write(f"     {account.email:<28} {account.password:<9} {account.role}")
    write()
    write(f"   mailbot keeps running against it: write to {COMPLAINTS} (or {COMMITTEE})")
    write("   from a client's mailbox and watch the answers arrive; staff and committee reply")
    write("   with commands in the subject. Its clock runs on from the end of the story.")
    write("   Meanwhile, in another terminal:")
    write(f"     mailbot cases -c {config} --all")
    write(f"     mailbot show -c {config} {case_id}")
    write("   Press Ctrl-C to stop.")
