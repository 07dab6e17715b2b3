"""The `mailbot` command line: argument parsing and output only; the work is elsewhere."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from mailbot import __version__
from mailbot.cli.check import run_checks
from mailbot.cli.samples import SAMPLE_ADDRESS, TEMPLATES, sample_case, sample_effect
from mailbot.cli.views import (
    CASE_HEADER,
    case_json,
    case_row,
    format_table,
    is_overdue,
    timeline,
    waiting_line,
)
from mailbot.clock import SYSTEM_CLOCK, Clock, FixedClock, OffsetClock
from mailbot.config.load import find_config, load_config
from mailbot.config.settings import Settings
from mailbot.daemon.app import App, build_app, renderer_for
from mailbot.daemon.flusher import BackgroundFlusher
from mailbot.daemon.runner import Daemon
from mailbot.errors import ConfigError, MailbotError
from mailbot.oauth.flows import SIGN_IN_TIMEOUT, browser_sign_in, device_sign_in
from mailbot.oauth.transport import post_form
from mailbot.outbound.build import make_letter, preview
from mailbot.outbound.letters.letter import Letter
from mailbot.outbound.reissue import LETTERS, letter_again, recorded_sha256
from mailbot.outbound.reissue import made as made_letter
from mailbot.outbound.sending import SendReport
from mailbot.procedure.digest import waiting as digest_waiting
from mailbot.report import store_figures, write_report
from mailbot.store.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("mailbot")


class _OneLineFormatter(logging.Formatter):
    """One event per line, as the journal reads best; tracebacks folded onto the line."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"timestamp needs an offset, e.g. {value}+01:00")
    return moment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mailbot {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-c",
        "--config",
        help="config file (default: $MAILBOT_CONFIG, ./mailbot.toml, /etc/mailbot/mailbot.toml)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    at = argparse.ArgumentParser(add_help=False)
    at.add_argument("--at", type=_timestamp, help="act as if it were this moment (ISO 8601)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="the daemon: IMAP, deadlines, outbox")
    run.add_argument(
        "--at",
        type=_timestamp,
        help="start the daemon's clock at this moment (ISO 8601); it runs on from there",
    )
    demo = sub.add_parser("demo", help="an embedded mail system and a walk through all tracks")
    demo.add_argument("--keep-running", action="store_true", help="leave the mail system up")
    sub.add_parser("check", parents=[common], help="check config, templates, IMAP and SMTP")
    sub.add_parser("poll-once", parents=[common, at], help="handle the mailbox now, then exit")
    sub.add_parser("tick", parents=[common, at], help="send what is due at --at (default now)")
    report = sub.add_parser("report", parents=[common, at], help="the yearly analysis")
    report.add_argument("--year", type=int, required=True)
    report.add_argument("--out", default=".", help="directory for the files (default: here)")
    report.add_argument("--lang", choices=("nl", "en"), help="default: the organisation's")
    purge = sub.add_parser("purge", parents=[common, at], help="retention: delete old cases")
    purge.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    cases = sub.add_parser("cases", parents=[common, at], help="list cases")
    which = cases.add_mutually_exclusive_group()
    which.add_argument("--open", dest="which", action="store_const", const="open")
    which.add_argument("--overdue", dest="which", action="store_const", const="overdue")
    which.add_argument("--all", dest="which", action="store_const", const="all")
    cases.add_argument("--track", choices=("direct", "mediation", "formal"))
    cases.add_argument("--json", action="store_true")
    preview = sub.add_parser("preview", parents=[common, at], help="render a template to check it")
    preview.add_argument("template", help="template name, e.g. acknowledgement")
    preview.add_argument("--case", help="render with this case instead of an example")
    preview.add_argument("--lang", choices=("nl", "en"), help="language (default: the case's)")
    preview.add_argument("--letter", action="store_true", help="write its letter form as a PDF")
    preview.add_argument("--out", help="the letter's PDF file (default: CASE-TEMPLATE.pdf here)")
    letter = sub.add_parser(
        "letter", parents=[common, at], help="a case's letter to the complainant, as a PDF"
    )
    letter.add_argument("case")
    letter.add_argument("--template", help="which letter (default: the latest one made)")
    letter.add_argument("--out", help="the PDF file (default: CASE-TEMPLATE.pdf here)")
    show = sub.add_parser("show", parents=[common, at], help="the whole timeline of one case")
    show.add_argument("case")
    show.add_argument("--json", action="store_true")
    auth = sub.add_parser(
        "auth", parents=[common, at], help="sign in once for delegated OAuth 2.0 access"
    )
    auth.add_argument(
        "--device", action="store_true", help="use the device code (Microsoft 365; not Google)"
    )
    auth.add_argument(
        "--timeout", type=float, default=SIGN_IN_TIMEOUT, help="seconds to wait for the browser"
    )
    auth.add_argument(
        "--port", type=int, default=0, help="loopback port for the redirect (for an ssh tunnel)"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.command == "demo":  # needs no config: it brings its own mail system
        from mailbot.demo.main import run as run_demo

        return run_demo(keep_running=args.keep_running, out=out)
    _setup_logging(args.verbose)
    try:
        settings = _settings(args.config)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for warning in settings.warnings:
        log.warning("%s", warning)
    clock = _clock(args)
    try:
        return COMMANDS[args.command](args, settings, clock, out)
    except MailbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _clock(args: argparse.Namespace) -> Clock:
    """The one clock of this invocation: the system's, or `--at` — standing still for a
    command that acts once, running on for the daemon."""
    at = getattr(args, "at", None)
    if at is None:
        return SYSTEM_CLOCK
    return OffsetClock(at) if args.command == "run" else FixedClock(at)


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(levelname)s %(message)s"))
    root = logging.getLogger("mailbot")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _settings(config: str | None) -> Settings:
    path = find_config(config, os.environ, Path.cwd())
    return load_config(path, os.environ)


def cmd_run(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    with build_app(settings) as app:
        daemon = Daemon(settings, app.service, clock, app.mailbox, app.sender)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: daemon.stop.set())
        daemon.run()
    return EXIT_OK


def cmd_poll_once(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    now = clock.now()  # one moment for the whole run, as in each round of the daemon
    with build_app(settings) as app, app.mailbox() as mailbox:
        with BackgroundFlusher(app.service.outbox, app.sender, now) as flusher:
            report = app.service.poll_once(mailbox, now, after_batch=flusher.kick)
            sent = flusher.finish()
        app.store.backup(now)
        app.store.archive(now)
        waiting = _waiting(app)
    print(
        f"fetched {report.fetched}: {report.opened} new case(s), {report.added} added to a case, "
        f"{report.commands} with commands, {report.refused} refused, "
        f"{report.discarded} discarded, {report.quarantined} quarantined; "
        f"sent {sent.sent}, waiting {waiting}, failed {sent.failed}",
        file=out,
    )
    return _sent_verdict(sent, waiting)


def _waiting(app: App) -> int:
    return sum(1 for m in app.store.outbox() if m.status == "pending")


def _sent_verdict(sent: SendReport, waiting: int) -> int:
    """Exit 1 when the SMTP server could not be reached, so cron and systemd notice."""
    if sent.unreachable:
        print(
            f"error: SMTP server unreachable; {waiting} mail(s) wait in the outbox", file=sys.stderr
        )
        return EXIT_FAILURE
    return EXIT_OK


def cmd_tick(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    with build_app(settings) as app:
        now = clock.now()
        queued = app.service.tick(now) + app.service.digest(now) + app.service.yearly_report(now)
        sent = app.service.flush_outbox(app.sender, now)
        waiting = _waiting(app)
    print(f"queued {queued} mail(s); sent {sent.sent}, waiting {waiting}", file=out)
    return _sent_verdict(sent, waiting)


def cmd_purge(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    with build_app(settings) as app:
        if args.dry_run:
            ids = app.service.purge(clock.now(), None, dry_run=True)
        else:
            with app.mailbox() as mailbox:
                ids = app.service.purge(clock.now(), mailbox)
    verb = "would purge" if args.dry_run else "purged"
    print(f"{verb} {len(ids)} case(s){': ' + ', '.join(ids) if ids else ''}", file=out)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    results = run_checks(settings)
    for result in results:
        print(f"{'ok' if result.ok else 'FAIL'}: {result.what}: {result.detail}", file=out)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILURE


def cmd_cases(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    which = args.which or "open"
    with Store.open(settings.storage.data_dir, readonly=True) as store:
        # Open cases are all in the hot store; only --all reads the archive.
        cases = store.cases() if which == "all" else store.hot_cases()
        held = digest_waiting(store.waiting_replies())
    if which == "open":
        cases = [c for c in cases if c.status == "open"]
    elif which == "overdue":
        cases = [c for c in cases if is_overdue(c, clock.now())]
    if args.track:
        cases = [c for c in cases if c.track == args.track]
    if args.json:
        json.dump([case_json(c) for c in cases], out, ensure_ascii=False, indent=2)
        print(file=out)
    else:
        rows = [case_row(c, clock.now()) for c in cases]
        print(format_table(CASE_HEADER, rows), file=out)
        if held["count"]:
            print("\n" + waiting_line(held, ZoneInfo(settings.organisation.timezone)), file=out)
    return EXIT_OK


def cmd_show(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    with Store.open(settings.storage.data_dir, readonly=True) as store:
        case = store.get_case(args.case)
    if case is None:
        print(f"error: no case {args.case}", file=sys.stderr)
        return EXIT_FAILURE
    if args.json:
        json.dump(case_json(case), out, ensure_ascii=False, indent=2)
        print(file=out)
        return EXIT_OK
    print(timeline(case, clock.now()), file=out)
    return EXIT_OK


def cmd_report(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    with Store.open(settings.storage.data_dir, readonly=True) as store:
        figures = store_figures(store, settings, args.year, now=clock.now())
    lang = args.lang or settings.organisation.language
    files = write_report(figures, Path(args.out), settings.organisation.name, lang)
    print(*files.paths, sep="\n", file=out)
    return EXIT_OK


def cmd_preview(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    if args.template not in TEMPLATES:
        print(
            f"error: no template {args.template!r}; known: {', '.join(TEMPLATES)}", file=sys.stderr
        )
        return EXIT_USAGE
    case = sample_case(settings.organisation.case_prefix)
    if args.case:
        with Store.open(settings.storage.data_dir, readonly=True) as store:
            found = store.get_case(args.case)
        if found is None:
            print(f"error: no case {args.case}", file=sys.stderr)
            return EXIT_FAILURE
        case = found
    inbound = [m for m in case.messages if m.direction == "in"]
    trigger = inbound[-1] if inbound else None
    renderer = renderer_for(settings)
    if args.letter:
        if args.template not in LETTERS:
            print(
                f"error: {args.template} is no letter; letters: {', '.join(LETTERS)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if not case.postal_address:  # the example complainant lives at the sample address
            case = replace(case, postal_address=SAMPLE_ADDRESS)
        lang_case = replace(case, language=args.lang or case.language)
        made = make_letter(
            sample_effect(args.template), lang_case, trigger, settings, renderer, clock.now()
        )
        return _write_letter(made, args.out, out)
    mail = preview(
        sample_effect(args.template),
        case,
        trigger,
        settings,
        renderer,
        clock.now(),
        args.lang or case.language,
    )
    print(f"To: {mail.to}\nSubject: {mail.subject}\n\n{mail.text}", file=out)
    return EXIT_OK


def cmd_letter(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    """A letter of the case again: dated as it was made (unless --at), so its SHA-256 shows
    whether it is byte for byte the letter recorded on the case."""
    with Store.open(settings.storage.data_dir, readonly=True) as store:
        case = store.get_case(args.case)
    if case is None:
        print(f"error: no case {args.case}", file=sys.stderr)
        return EXIT_FAILURE
    before = made_letter(case, args.template)
    template = args.template or (before.detail.split(" ", 1)[0] if before else None)
    if template is None:
        print(f"error: case {case.id} has no letter yet; name one with --template", file=sys.stderr)
        return EXIT_USAGE
    now = args.at or (before.at if before else clock.now())
    letter = letter_again(case, template, settings, renderer_for(settings), now)
    code = _write_letter(letter, args.out, out)
    if before is not None:
        same = recorded_sha256(before) == letter.sha256
        when = before.at.isoformat(timespec="seconds")
        print(f"{'the same as' if same else 'NOT the same as'} the letter made {when}", file=out)
    return code


def _write_letter(letter: Letter, path: str | None, out: TextIO) -> int:
    target = Path(path or letter.filename)
    target.write_bytes(letter.pdf)
    print(f"{target}\nsha256 {letter.sha256}", file=out)
    return EXIT_OK


def cmd_auth(args: argparse.Namespace, settings: Settings, clock: Clock, out: TextIO) -> int:
    """Obtain the first refresh token (the daemon keeps it up to date from then on)."""

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    if args.device:
        device_sign_in(settings.oauth2, post_form, say, clock.now, time.sleep)
    else:
        user = settings.imap.username if settings.imap.auth == "oauth2" else settings.smtp.username
        hint = user if user and "@" in user else None
        browser_sign_in(
            settings.oauth2,
            post_form,
            say,
            clock.now,
            login_hint=hint,
            timeout=args.timeout,
            port=args.port,
        )
    path = settings.oauth2.refresh_token_file  # type: ignore[union-attr]
    say(f"ok: refresh token saved to {path} (mode 0600); `mailbot check` logs in with it now")
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "check": cmd_check,
    "poll-once": cmd_poll_once,
    "tick": cmd_tick,
    "purge": cmd_purge,
    "cases": cmd_cases,
    "show": cmd_show,
    "preview": cmd_preview,
    "letter": cmd_letter,
    "report": cmd_report,
    "auth": cmd_auth,
}
