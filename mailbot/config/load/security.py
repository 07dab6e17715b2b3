"""[security]: whose mail counts as authenticated, and the limits that stop floods."""

from __future__ import annotations

from mailbot.config.load.table import Context, Table
from mailbot.config.load.values import choice, host, integer
from mailbot.config.settings import AUTHENTICATION_MODES, SecuritySettings


def security(t: Table) -> SecuritySettings:
    return SecuritySettings(
        trusted_authserv_id=t.get("trusted_authserv_id", host),
        max_message_bytes=t.get("max_message_bytes", integer(1, None)),
        max_auto_replies_per_sender_per_day=t.get(
            "max_auto_replies_per_sender_per_day", integer(1, None)
        ),
        max_auto_replies_per_hour=t.get("max_auto_replies_per_hour", integer(1, None)),
        authentication=t.get("authentication", choice(AUTHENTICATION_MODES))
        or t.default("authentication"),
    )


def warn_security(ctx: Context, settings: SecuritySettings) -> None:
    if settings.trusted_authserv_id is None and settings.authentication == "standard":
        ctx.warnings.append(
            "security.trusted_authserv_id is not set: commands from staff and committee are "
            "accepted on the From address alone, which anyone can forge; set it to the "
            "authserv-id your own mail server writes in Authentication-Results"
        )
