"""Secrets: a password or client secret from a file, an environment variable, or inline."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mailbot.config.load.table import Invalid, Table
from mailbot.config.load.values import path, text
from mailbot.config.settings import PASSWORD_KEYS
from mailbot.config.wording import show

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def password(t: Table, required: bool) -> str | None:
    """The one password source given; `required`: a username needs one, else none is used."""
    given = [k for k in PASSWORD_KEYS if t.has(k)]
    if len(given) > 1:
        t.error(given[1], f"give only one password source, not {' and '.join(given)}")
        return None
    if not given:
        if required:
            t.error(
                "password_file",
                "required: a password source (password_file, password_env or password)",
            )
        return None
    if not required:
        t.error(given[0], f"is only used with {t.key('username')}, which is not set")
        return None
    readers = {
        "password_file": password_file(t.ctx.base),
        "password_env": password_env(t.ctx.env),
        "password": _inline_password(t),
    }
    return t.get(given[0], readers[given[0]])


def no_password(t: Table, value: str | None) -> str | None:
    """With auth = "oauth2" a token logs in: a password key there is a mistake, not a spare."""
    for key in PASSWORD_KEYS:
        if t.has(key):
            t.error(key, 'not allowed with auth = "oauth2" (the login uses an OAuth 2.0 token)')
    return value


def password_file(base: Path, what: str = "password") -> Callable[[Any], str]:
    def check(value: Any) -> str:
        found = path(base)(value)
        try:
            secret = found.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise Invalid(f'cannot read {what} file "{found}": {reason}') from exc
        if not secret:
            raise Invalid(f'{what} file "{found}" is empty')
        if "\n" in secret or "\r" in secret:
            raise Invalid(f'{what} file "{found}" has more than one line')
        return secret

    return check


def password_env(env: Mapping[str, str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        name = text(value)
        if not _ENV_NAME_RE.match(name):
            raise Invalid(f"{show(name)} is not an environment variable name")
        if name not in env:
            raise Invalid(f"environment variable {name} is not set")
        if not env[name]:
            raise Invalid(f"environment variable {name} is empty")
        return env[name]

    return check


def _inline_password(t: Table) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        secret = text(value)
        t.ctx.warnings.append(
            f"{t.key('password')} is written in the config file itself; "
            "use password_file or password_env so the secret stays out of it"
        )
        return secret

    return check
