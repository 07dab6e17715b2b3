"""Checks of one value each: the value as mailbot uses it, or Invalid saying what is wrong."""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

from mailbot.config.load.table import Invalid
from mailbot.config.settings import Term
from mailbot.config.terms import parse_term
from mailbot.config.wording import describe, show, suggest

POSTAL_ADDRESS_LINES = 5  # the organisation's address in the letterhead and return line
ALIAS_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}\Z")
_EMAIL_RE = re.compile(  # local@domain.tld, or local@localhost for a test or demo set-up
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@"
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}|localhost)\Z",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(r"[A-Z]{2,6}\Z")
_HHMM_RE = re.compile(r"(\d{1,2}):(\d{2})\Z")


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    if not value.strip():
        raise Invalid("must not be empty")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected a boolean (true or false), got {describe(value)}")
    return value


def integer(low: int, high: int | None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected an integer, got {describe(value)}")
        if value < low or (high is not None and value > high):
            limits = f"{low} to {high}" if high is not None else f"at least {low}"
            raise Invalid(f"must be {limits}, got {value}")
        return value

    return check


def seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"expected a number of seconds, got {describe(value)}")
    if not 0 < value <= 3600:
        raise Invalid(f"must be more than 0 and at most 3600 seconds, got {value}")
    return float(value)


def choice(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return value
        options = ", ".join(f'"{a}"' for a in allowed)
        hint = suggest(value.lower(), allowed) if isinstance(value, str) else ""
        raise Invalid(f"expected one of {options}, got {describe(value)}{hint}")

    return check


def array(item: Callable[[Any], Any], unique: bool = False) -> Callable[[Any], tuple[Any, ...]]:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise Invalid(f"expected an array, got {describe(value)}")
        result: list[Any] = []
        for i, element in enumerate(value, 1):
            try:
                checked = item(element)
            except Invalid as exc:
                raise Invalid(str(exc), f"[{i}]") from None
            if unique and checked in result:
                raise Invalid(f"{show(element)} is listed twice", f"[{i}]")
            result.append(checked)
        return tuple(result)

    return check


def email(value: Any) -> str:
    address = text(value)
    if "<" in address or " " in address.strip():
        raise Invalid(f"expected a bare e-mail address (no name, no <>), got {show(address)}")
    if not _EMAIL_RE.match(address) or ".." in address or address.startswith("."):
        raise Invalid(f"{show(address)} is not a valid e-mail address")
    return address


def postal_address(value: Any) -> tuple[str, ...]:
    """A postal address as a TOML array of lines: a letter's window holds at most 5."""
    if not isinstance(value, list):
        example = '["Postbus 1234", "3000 AB Voorbeeldstad"]'
        raise Invalid(f"expected an array of lines such as {example}, got {describe(value)}")
    lines = array(text)(value)
    if not 1 <= len(lines) <= POSTAL_ADDRESS_LINES:
        raise Invalid(f"expected 1 to {POSTAL_ADDRESS_LINES} lines, got {len(lines)}")
    if any("\n" in line for line in lines):
        raise Invalid("one line per array element: no line breaks inside a line")
    return tuple(line.strip() for line in lines)


def host(value: Any) -> str:
    name = text(value)
    if not re.fullmatch(r"[A-Za-z0-9._:\[\]-]+", name):
        raise Invalid(f"expected a host name or IP address (not a URL), got {show(name)}")
    return name


def timezone(value: Any) -> str:
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = suggest(name, tuple(sorted(available_timezones())))
        raise Invalid(f'unknown time zone "{name}"{hint or " (e.g. Europe/Amsterdam)"}') from None
    return name


def country(value: Any) -> str:
    code = text(value).strip().upper()
    if code not in holidays.list_supported_countries():
        raise Invalid(
            f"unknown holiday country {show(value)}: expected a country code the holidays "
            "package knows, e.g. NL, BE, DE, GB"
        )
    return code


def iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Invalid(f"expected a date YYYY-MM-DD like 2026-12-24, got {describe(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f'"{value}" is not a valid date: {exc}') from None


def hhmm(value: Any) -> time:
    if isinstance(value, time) and value.second == value.microsecond == 0 and not value.tzinfo:
        return value
    match = _HHMM_RE.match(value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Invalid(f'expected a time "HH:MM" like "08:30", got {describe(value)}')
    return time(int(match[1]), int(match[2]))


def term(value: Any) -> Term:
    if not isinstance(value, str):
        raise Invalid(f'expected a term like "5 working days", got {describe(value)}')
    try:
        return parse_term(value)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def case_prefix(value: Any) -> str:
    if not isinstance(value, str) or not _PREFIX_RE.match(value):
        raise Invalid(f"expected 2 to 6 capital letters A-Z, got {describe(value)}")
    return value


def alias(value: Any) -> str:
    word = text(value)
    if not ALIAS_RE.match(word.lower()):
        raise Invalid(
            'expected one word of letters, digits, ".", "_" or "-" (as in "#assign anna"), '
            f"got {show(word)}"
        )
    return word


def url(value: Any) -> str:
    address = text(value).strip()
    parts = urllib.parse.urlsplit(address)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid(f"expected an https:// URL, got {show(address)}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise Invalid(
            "plain http is only allowed for a loopback host (localhost, 127.0.0.0/8, ::1), "
            f'not "{parts.hostname}"; use https://'
        )
    return address


def is_loopback(name: str) -> bool:
    name = name.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def same_address(a: str | None, b: str | None) -> bool:
    """Two e-mail addresses (or user names) that are one, whatever their case."""
    return bool(a and b and a.lower() == b.lower())


# --------------------------------------------------------------------------- paths


def path(base: Path) -> Callable[[Any], Path]:
    """A path; a relative one starts at the config file's folder."""

    def check(value: Any) -> Path:
        given = Path(text(value)).expanduser()
        return given if given.is_absolute() else base / given

    return check


def directory(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        found = path(base)(value)
        if not found.is_dir():
            state = "is not a directory" if found.exists() else "does not exist"
            raise Invalid(f'"{found}" {state}')
        return found

    return check


def data_dir(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        found = path(base)(value)
        if found.exists() and not found.is_dir():
            raise Invalid(f'"{found}" exists but is not a directory')
        return found

    return check


def readable_file(base: Path) -> Callable[[Any], Path]:
    def check(value: Any) -> Path:
        found = path(base)(value)
        if not found.is_file():
            state = "is not a regular file" if found.exists() else "does not exist"
            raise Invalid(f'"{found}" {state}')
        if not os.access(found, os.R_OK):
            raise Invalid(f'"{found}" is not readable for this user')
        return found

    return check
