"""OAuth 2.0 access tokens for the IMAP and SMTP logins (Microsoft 365, Google Workspace,
any other token endpoint, or an external command)."""

from mailbot.oauth.answers import Token
from mailbot.oauth.build import build_token_provider, uses_oauth2
from mailbot.oauth.provider import TokenProvider
from mailbot.oauth.transport import Transport, post_form

__all__ = [
    "Token",
    "TokenProvider",
    "Transport",
    "build_token_provider",
    "post_form",
    "uses_oauth2",
]
