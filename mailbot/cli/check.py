"""`mailbot check`: every template, the data dir, the OAuth 2.0 token, IMAP login and SMTP
connection, each with an exact verdict."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import product

from mailbot.cli.samples import TEMPLATES, sample_case, sample_effect
from mailbot.clock import SYSTEM_CLOCK
from mailbot.config.settings import Settings
from mailbot.daemon.app import renderer_for
from mailbot.errors import MailbotError
from mailbot.inbound.imap import ImapMailbox
from mailbot.oauth import TokenProvider, Transport, build_token_provider
from mailbot.outbound.build import MailBuilder
from mailbot.outbound.render import LANGUAGES
from mailbot.outbound.smtp import SmtpSender
from mailbot.store.fsutil import find_symlink, symlink_refusal


@dataclass(frozen=True)
class CheckResult:
    what: str
    ok: bool
    detail: str


def run_checks(
    settings: Settings, now: datetime | None = None, transport: Transport | None = None
) -> list[CheckResult]:
    results = [CheckResult("config", True, str(settings.source))]
    results += [CheckResult("warning", True, w) for w in settings.warnings]
    results += check_templates(settings)
    results.append(check_data_dir(settings))
    token, tokens = check_token(settings, now or SYSTEM_CLOCK.now(), transport)
    if token is not None:
        results.append(token)
    results += check_imap(settings, tokens)
    results.append(check_smtp(settings, tokens))
    return results


_NO_TOKEN = "not tried: no OAuth 2.0 token (see the token line above)"


def check_token(
    settings: Settings, now: datetime, transport: Transport | None = None
) -> tuple[CheckResult | None, TokenProvider | None]:
    """Obtain a token when a login uses OAuth 2.0: (None, None) when neither does; the
    provider is None too when no token could be had, so the logins say they were not tried."""
    what = "OAuth 2.0 token"
    try:
        tokens = build_token_provider(settings, transport)
        if tokens is None:
            return None, None
        tokens.token(now)
    except MailbotError as exc:
        return CheckResult(what, False, str(exc)), None
    o = settings.oauth2
    source = tokens.source.name
    where = f" from {o.token_url}" if o and o.token_url else ""
    until = tokens.expires()
    valid = f"valid until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if until else "obtained"
    return CheckResult(what, True, f"{source}{where}: a token {valid}"), tokens


def check_templates(settings: Settings) -> list[CheckResult]:
    try:
        mails = MailBuilder(settings, renderer_for(settings))
    except MailbotError as exc:
        return [CheckResult("templates", False, str(exc))]
    now = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    results = []
    for lang, track, name in product(LANGUAGES, ("direct", "formal"), TEMPLATES):
        case = replace(sample_case(settings.organisation.case_prefix, track), language=lang)
        try:
            mails.build(sample_effect(name), case, case.messages[0], now)
        except MailbotError as exc:
            results.append(CheckResult(f"template {lang}/{name} ({track})", False, str(exc)))
    if not results:
        count = len(TEMPLATES) * len(LANGUAGES)
        results.append(CheckResult("templates", True, f"{count} templates render in nl and en"))
    return results


def check_data_dir(settings: Settings) -> CheckResult:
    path = settings.storage.data_dir
    probe = path if path.exists() else path.parent
    if not probe.exists():
        return CheckResult("data dir", False, f"{path} does not exist and neither does its parent")
    if not os.access(probe, os.W_OK | os.X_OK):
        return CheckResult("data dir", False, f"{probe} is not writable for this user")
    if (link := find_symlink(path)) is not None:
        return CheckResult("data dir", False, symlink_refusal(path, link))
    return CheckResult("data dir", True, f"{path} is writable")


def check_imap(settings: Settings, tokens: TokenProvider | None = None) -> list[CheckResult]:
    """The login; and where folders are labels (an \\All folder, as at Gmail), how the
    retention purge deletes mail there."""
    imap = settings.imap
    if imap.auth == "oauth2" and tokens is None:
        return [CheckResult("IMAP", False, _NO_TOKEN)]
    extra = {"tokens": tokens} if imap.auth == "oauth2" else {}
    try:
        with ImapMailbox(imap, **extra) as mailbox:
            waiting = len(mailbox.pending_uids())
            caps = ", ".join(sorted(c for c in mailbox.capabilities if c in {"IDLE", "MOVE"}))
            special = mailbox.special_folders()
    except MailbotError as exc:
        return [CheckResult("IMAP", False, str(exc))]
    login = CheckResult(
        "IMAP",
        True,
        f"logged in to {imap.host}:{imap.port} as {imap.username}; {waiting} message(s) in "
        f"{imap.folder}; server offers {caps or 'neither IDLE nor MOVE'}",
    )
    return [login, *_labels(special)]


def _labels(special: dict[str, str]) -> list[CheckResult]:
    """One line on the purge where every mail also sits in an \\All folder (Gmail's labels)."""
    all_mail, trash = special.get("\\All"), special.get("\\Trash")
    if all_mail is None:
        return []
    if trash is None:
        return [
            CheckResult(
                "purge",
                False,
                f"every mail also sits in the \\All folder {all_mail!r} (folders are labels), "
                "but the server names no \\Trash folder: the retention purge cannot delete mail",
            )
        ]
    detail = (
        f"every mail also sits in the \\All folder {all_mail!r} (folders are labels), so the "
        f"retention purge moves a case's mail to the \\Trash folder {trash!r} and expunges it "
        "there; Gmail itself empties its Trash after 30 days"
    )
    return [CheckResult("purge", True, detail)]


def check_smtp(settings: Settings, tokens: TokenProvider | None = None) -> CheckResult:
    smtp = settings.smtp
    if smtp.auth == "oauth2" and tokens is None:
        return CheckResult("SMTP", False, _NO_TOKEN)
    extra = {"tokens": tokens} if smtp.auth == "oauth2" else {}
    try:
        with SmtpSender(smtp, **extra):
            pass
    except MailbotError as exc:
        return CheckResult("SMTP", False, str(exc))
    login = f" as {smtp.username}" if smtp.username else " (no login)"
    return CheckResult("SMTP", True, f"connected to {smtp.host}:{smtp.port}{login}")
