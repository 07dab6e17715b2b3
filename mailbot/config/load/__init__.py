"""TOML → frozen, validated Settings: each section read, then checked across; every problem told."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailbot.config.load.deadlines import deadlines, reconcile_retention, storage
from mailbot.config.load.files import SYSTEM_CONFIG, find_config, read_toml
from mailbot.config.load.mailservers import check_folders, imap, smtp
from mailbot.config.load.oauth2 import check_oauth2, oauth2, warn_open_secrets
from mailbot.config.load.organisation import business_hours, check_hours, organisation
from mailbot.config.load.people import (
    addresses,
    check_addresses,
    check_people,
    committee_member,
    staff_member,
    warn_people,
)
from mailbot.config.load.security import security, warn_security
from mailbot.config.load.table import Context, InvalidConfigError, entries, section
from mailbot.config.schema import SECTION_KEYS, SECTIONS
from mailbot.config.settings import Settings
from mailbot.config.terms import parse_term
from mailbot.config.wording import join_key, unknown, unknown_section

__all__ = [
    "SECTION_KEYS",
    "SYSTEM_CONFIG",
    "InvalidConfigError",
    "find_config",
    "load_config",
    "parse_term",
]


def load_config(path: Path, env: Mapping[str, str]) -> Settings:
    """Read, check and build the Settings; raises InvalidConfigError listing every problem."""
    data = read_toml(path)
    ctx = Context(str(path), path.absolute().parent, env)
    for name, value in data.items():
        if name not in SECTION_KEYS:
            ctx.error(join_key("", name), _unknown_section(name, value))
    parts = _read_sections(ctx, data)
    _cross_check(ctx, parts, "oauth2" in data)
    ctx.raise_if_errors()
    warn_open_secrets(ctx, parts["oauth2"])
    warn_security(ctx, parts["security"])
    warn_people(ctx, parts["staff"], parts["committee"])
    return Settings(source=path.absolute(), warnings=tuple(ctx.warnings), **parts)


def _read_sections(ctx: Context, data: Mapping[str, Any]) -> dict[str, Any]:
    """Each section read on its own; the result holds one argument of Settings per section."""
    # Both tables of the retention term, opened first: their errors come first, as they always
    # have, and reconcile_retention needs them both.
    deadlines_table, storage_table = section(ctx, data, "deadlines"), section(ctx, data, "storage")
    parts = {
        "organisation": organisation(section(ctx, data, "organisation")),
        "imap": imap(section(ctx, data, "imap")),
        "smtp": smtp(section(ctx, data, "smtp")),
        "addresses": addresses(section(ctx, data, "addresses")),
        "staff": tuple(staff_member(t) for t in entries(ctx, data, "staff")),
        "committee": tuple(committee_member(t) for t in entries(ctx, data, "committee")),
        "storage": storage(storage_table),
        "deadlines": deadlines(deadlines_table),
        "business_hours": business_hours(section(ctx, data, "business_hours")),
        "security": security(section(ctx, data, "security")),
        "oauth2": oauth2(section(ctx, data, "oauth2")) if "oauth2" in data else None,
    }
    reconcile_retention(parts, deadlines_table, storage_table)
    return parts


def _cross_check(ctx: Context, parts: dict[str, Any], oauth2_present: bool) -> None:
    check_oauth2(ctx, parts, oauth2_present)
    check_addresses(ctx, parts["addresses"])
    check_people(ctx, parts["staff"], parts["committee"], parts["addresses"])
    check_folders(ctx, parts["imap"])
    check_hours(ctx, parts["business_hours"])


def _unknown_section(name: str, value: Any) -> str:
    names = tuple(SECTIONS)
    if not isinstance(value, dict | list):  # `name = 1` at the top: a key, not a section
        return unknown(name, names, "key")
    return unknown_section(name, names, tuple(s.name for s in SECTIONS.values() if s.array))
