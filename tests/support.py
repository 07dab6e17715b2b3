"""Test support: the example organisation's config on the test servers, as values, as TOML
loaded through the real loader, and as Settings built directly for the pure core."""

from __future__ import annotations

import tomllib
from dataclasses import is_dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mailbot.config.builder import (
    COMMITTEE,
    COMMITTEE_MEMBERS,
    COMPLAINTS,
    OPERATOR,
    STAFF,
    example_config,
    toml_text,
)
from mailbot.config.load import load_config
from mailbot.config.settings import (
    DEADLINE_NAMES,
    DEFAULT_TERMS,
    Addresses,
    CommitteeMember,
    ImapSettings,
    Organisation,
    SecuritySettings,
    Settings,
    SmtpSettings,
    StaffMember,
    StorageSettings,
)
from mailbot.config.terms import parse_term

__all__ = ["COMMITTEE", "COMPLAINTS", "OPERATOR"]  # the example's addresses, named here too

ANNA = STAFF[0]["email"]  # contact + co-owner
PIETER = STAFF[1]["email"]  # contact
BRAM = COMMITTEE_MEMBERS[0]["email"]  # committee chair
CLIENT = "jan.jansen@example.org"
# Never created: a pure-core test that reaches the disk through `build_settings` fails loudly.
NO_DATA_DIR = Path("/nonexistent/mailbot-data")


def tests_config(
    data_dir: Path,
    *,
    imap_host: str = "127.0.0.1",
    imap_port: int = 1143,
    imap_user: str = "klachten",
    imap_password: str = "geheim",
    smtp_host: str = "127.0.0.1",
    smtp_port: int = 1025,
    poll_seconds: int = 1,
    extra_imap: str = "",
) -> dict[str, Any]:
    """The config as values; `extra_imap` is TOML for more [imap] keys."""
    imap = {
        "host": imap_host,
        "port": imap_port,
        "username": imap_user,
        "password": imap_password,
        "poll_seconds": poll_seconds,
        "timeout_seconds": 10,
    }
    return example_config(
        imap={**imap, **tomllib.loads(extra_imap)},
        smtp={"host": smtp_host, "port": smtp_port, "timeout_seconds": 10},
        security={"trusted_authserv_id": "mx.example.nl"},
        storage={"data_dir": data_dir},
    )


def config_text(data_dir: Path, **kwargs: Any) -> str:
    return toml_text(tests_config(data_dir, **kwargs))


def write_config(directory: Path, **kwargs: object) -> Path:
    path = directory / "mailbot.toml"
    path.write_text(config_text(directory / "data", **kwargs))
    return path


def make_settings(directory: Path, **kwargs: object) -> Settings:
    return load_config(write_config(directory, **kwargs), {})


def build_settings(data_dir: Path = NO_DATA_DIR, **overrides: Any) -> Settings:
    """What `make_settings` loads, made from the same values without TOML on disk (the
    loader's warnings aside). A section's override given as a dict sets those fields
    (`organisation={"language": "en"}`); any other value replaces the field (`staff=()`)."""
    config = tests_config(data_dir)
    settings = Settings(
        source=Path("mailbot.toml"),
        organisation=Organisation(**config["organisation"]),
        imap=ImapSettings(**config["imap"]),
        smtp=SmtpSettings(**config["smtp"]),
        addresses=Addresses(**config["addresses"]),
        staff=tuple(StaffMember(**{**s, "roles": tuple(s["roles"])}) for s in config["staff"]),
        committee=tuple(CommitteeMember(**c) for c in config["committee"]),
        storage=StorageSettings(**config["storage"]),
        # The loader fills in every term the config leaves out.
        deadlines=MappingProxyType({n: parse_term(DEFAULT_TERMS[n]) for n in DEADLINE_NAMES}),
        security=SecuritySettings(**config["security"]),
    )
    changes = {
        name: replace(getattr(settings, name), **value)
        if isinstance(value, dict) and is_dataclass(getattr(settings, name))
        else value
        for name, value in overrides.items()
    }
    return replace(settings, **changes)
