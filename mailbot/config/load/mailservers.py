"""The [imap] and [smtp] sections: where mail is read and sent, and how to log in."""

from __future__ import annotations

from mailbot.config.load.passwords import no_password, password
from mailbot.config.load.table import Context, Table
from mailbot.config.load.values import boolean, choice, host, integer, is_loopback, seconds, text
from mailbot.config.settings import (
    AUTH_MODES,
    IMAP_PORTS,
    SECURITY_MODES,
    SMTP_PORTS,
    ImapSettings,
    SmtpSettings,
)


def imap(t: Table) -> ImapSettings:
    security = t.get("security", choice(SECURITY_MODES)) or t.default("security")
    server = t.get("host", host)
    _check_loopback(t, server, security)
    auth = t.get("auth", choice(AUTH_MODES))
    return ImapSettings(
        host=server,
        username=t.get("username", text),
        password=_imap_password(t, auth),
        port=t.get("port", integer(1, 65535), IMAP_PORTS[security]),
        security=security,
        folder=t.get("folder", text),
        processed_folder=t.get("processed_folder", text),
        quarantine_folder=t.get("quarantine_folder", text),
        idle=t.get("idle", boolean),
        poll_seconds=t.get("poll_seconds", integer(1, None)),
        batch_size=t.get("batch_size", integer(1, 1000)),
        timeout_seconds=t.get("timeout_seconds", seconds),
        auth=auth or t.default("auth"),
    )


def smtp(t: Table) -> SmtpSettings:
    security = t.get("security", choice(SECURITY_MODES)) or t.default("security")
    server = t.get("host", host)
    _check_loopback(t, server, security)
    auth = t.get("auth", choice(AUTH_MODES))
    username = t.get("username", text)
    if auth == "oauth2":
        if not t.has("username"):
            t.error("username", 'required with auth = "oauth2": the mailbox to log in as')
        secret = no_password(t, None)
    else:
        secret = password(t, required=t.has("username")) if auth else None
    return SmtpSettings(
        host=server,
        port=t.get("port", integer(1, 65535), SMTP_PORTS[security]),
        security=security,
        username=username,
        password=secret,
        timeout_seconds=t.get("timeout_seconds", seconds),
        connections=t.get("connections", integer(1, 8)),
        auth=auth or t.default("auth"),
        max_messages_per_minute=t.get("max_messages_per_minute", integer(1, 10_000)),
    )


def _imap_password(t: Table, auth: str | None) -> str | None:
    if auth == "oauth2":
        return no_password(t, "")
    return password(t, required=True) if auth == "password" else ""  # None: auth is wrong


def _check_loopback(t: Table, server: str | None, security: str) -> None:
    if security == "none" and server and not is_loopback(server):
        t.error(
            "security",
            f'"none" (no encryption) is only allowed for a loopback host '
            f'(localhost, 127.0.0.0/8, ::1), not "{server}"; use "tls" or "starttls"',
        )


def check_folders(ctx: Context, settings: ImapSettings) -> None:
    """Mail is moved out of the inbox: the three folders must be three."""
    if _same_folder(settings.processed_folder, settings.folder):
        ctx.error("imap.processed_folder", "must differ from imap.folder (mail is moved there)")
    if _same_folder(settings.quarantine_folder, settings.folder):
        ctx.error("imap.quarantine_folder", "must differ from imap.folder (mail is moved there)")
    elif _same_folder(settings.quarantine_folder, settings.processed_folder):
        ctx.error("imap.quarantine_folder", "must differ from imap.processed_folder")


def _same_folder(a: str | None, b: str | None) -> bool:
    """IMAP folder names are case-sensitive, except INBOX (RFC 3501)."""
    return bool(a and b and (a == b or a.upper() == b.upper() == "INBOX"))
