"""The one exception tree: adapters translate library errors into these."""

from __future__ import annotations


class MailbotError(Exception):
    """Base of every error mailbot raises on purpose."""


class ConfigError(MailbotError):
    """The configuration is missing, unreadable or invalid."""

    def __init__(self, file: str, key: str | None, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class AuthError(MailbotError):
    """No OAuth 2.0 access token could be obtained; the message is one line naming the
    provider's own error (invalid_client, invalid_grant, AADSTS…) where there is one."""


class StoreError(MailbotError):
    """The case store could not be read or written."""


class StoreLockedError(StoreError):
    """Another process owns the data directory."""


class StoreCorruptError(StoreError):
    """A store file cannot be parsed."""


class MailParseError(MailbotError):
    """A message could not be parsed at all."""


class TemplateError(MailbotError):
    """A template is missing or failed to render."""


class ImapError(MailbotError):
    """The IMAP server failed or refused an operation."""


class ImapAuthError(ImapError):
    """The IMAP server rejected the credentials."""


class ImapSessionExpired(ImapError):
    """The server ended the session because its OAuth 2.0 token expired (Exchange Online:
    `BYE Session invalidated - AccessTokenExpired`): routine, reconnect with a fresh token."""


class SmtpError(MailbotError):
    """Sending mail failed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpQuotaError(SmtpError):
    """The host will take no more mail for now: its sending quota or rate is spent. Never
    permanent, whatever the reply code (Exchange answers its per-minute quota with 554)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class SmtpAuthError(SmtpError):
    """The SMTP server rejected the credentials."""


class AddressNotSupported(SmtpError):
    """An internationalised (non-ASCII) address that the SMTP server cannot take: it does
    not offer SMTPUTF8. Permanent: the person must be reached another way."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class ProcedureError(MailbotError):
    """The procedure does not allow this step. `code` and `params` say why; `reasons.explain`
    turns them into a sentence in the reader's language."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        super().__init__(f"{code} ({detail})" if detail else code)


class LetterError(MailbotError):
    """A printable letter cannot be made: the address is missing or does not fit the
    envelope's window. The message says what staff must supply."""
