"""mailbot.config.schema: the sections, keys and defaults derived from the settings dataclasses
are exactly the file format the README documents: no key lost, none added by a new field."""

from __future__ import annotations

from datetime import time

import pytest

from mailbot.config.schema import REQUIRED, SECTION_KEYS, SECTIONS
from mailbot.config.settings import DEADLINE_NAMES

PASSWORD = {"password_file", "password_env", "password"}
SERVER = {"host", "port", "security", "username", *PASSWORD, "timeout_seconds", "auth"}
# section: (required, written as [[array]], keys)
FORMAT = {
    "organisation": (
        True,
        False,
        {
            "name",
            "language",
            "timezone",
            "holiday_country",
            "closed_days",
            "good_friday_is_working_day",
            "case_prefix",
            "templates_dir",
            "address",
            "phone",
            "email",
            "place",
        },
    ),
    "imap": (
        True,
        False,
        SERVER
        | {"folder", "processed_folder", "quarantine_folder", "idle", "poll_seconds", "batch_size"},
    ),
    "smtp": (True, False, SERVER | {"connections", "max_messages_per_minute"}),
    "addresses": (True, False, {"complaints", "committee", "operator"}),
    "staff": (True, True, {"name", "email", "alias", "roles"}),
    "committee": (True, True, {"name", "email", "role"}),
    "deadlines": (False, False, set(DEADLINE_NAMES)),
    "business_hours": (False, False, {"start", "end"}),
    "security": (
        False,
        False,
        {
            "trusted_authserv_id",
            "max_message_bytes",
            "max_auto_replies_per_sender_per_day",
            "max_auto_replies_per_hour",
            "authentication",
        },
    ),
    "storage": (True, False, {"data_dir", "retention"}),
    "oauth2": (
        False,
        False,
        {
            "provider",
            "tenant",
            "token_url",
            "scope",
            "client_id",
            "client_secret_file",
            "client_secret_env",
            "client_certificate_file",
            "private_key_file",
            "service_account_file",
            "refresh_token_file",
            "token_command",
            "token_command_timeout_seconds",
            "authorization_url",
            "device_authorization_url",
        },
    ),
}


def test_the_file_has_exactly_the_documented_sections() -> None:
    assert set(SECTIONS) == set(FORMAT)


@pytest.mark.parametrize("name", sorted(FORMAT))
def test_a_section_takes_exactly_its_documented_keys(name: str) -> None:
    required, array, keys = FORMAT[name]
    section = SECTIONS[name]
    assert (section.required, section.array, set(section.keys)) == (required, array, keys)
    assert len(section.keys) == len(set(section.keys)), "a key derived twice"
    assert SECTION_KEYS[name] == section.keys


@pytest.mark.parametrize(
    ("section", "key", "default"),
    [
        ("security", "max_message_bytes", 25 * 1024 * 1024),
        ("security", "max_auto_replies_per_hour", 200),
        ("security", "max_auto_replies_per_sender_per_day", 3),
        ("business_hours", "start", time(8, 30)),
        ("imap", "folder", "INBOX"),
        ("imap", "host", REQUIRED),
        ("addresses", "complaints", REQUIRED),
        ("storage", "data_dir", REQUIRED),
        ("smtp", "connections", 3),
    ],
)
def test_defaults_come_from_the_dataclasses(section: str, key: str, default: object) -> None:
    assert SECTIONS[section].default(key) == default
