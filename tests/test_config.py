"""Config loading: defaults, every error with its key and wording, warnings, lookup order."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from datetime import date, time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from mailbot.config.load import InvalidConfigError, find_config, load_config
from mailbot.config.settings import DEADLINE_NAMES, DEFAULT_TERMS, Settings, Term
from mailbot.config.terms import parse_term
from mailbot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "config.example.toml"
ENV = {"IMAP_PW": "geheim"}
DELETE = object()


def minimal(tmp_path: Path) -> dict[str, Any]:
    """The smallest valid config (DESIGN 7's required keys), as data to edit per test."""
    return {
        "organisation": {"name": "Voorbeeld Training & Coaching"},
        "imap": {
            "host": "imap.example.nl",
            "username": "klachten@example.nl",
            "password_env": "IMAP_PW",
        },
        "smtp": {"host": "smtp.example.nl"},
        "addresses": {
            "complaints": "klachten@example.nl",
            "committee": "klachtencommissie@example.nl",
        },
        "staff": [
            {
                "name": "Anna de Vries",
                "email": "anna@example.nl",
                "alias": "anna",
                "roles": ["contact", "co-owner"],
            }
        ],
        "committee": [{"name": "Bram Jansen", "email": "bram.jansen@example.org", "role": "chair"}],
        "storage": {"data_dir": str(tmp_path / "data")},
    }


# --------------------------------------------------------------------------- helpers


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def to_toml(config: dict[str, Any]) -> str:
    """A tiny TOML writer, enough for these tests (tables, arrays of tables, scalars)."""
    lines: list[str] = []
    for name, section in config.items():
        if isinstance(section, list) and section and isinstance(section[0], dict):
            for entry in section:
                lines.append(f"[[{toml_key(name)}]]")
                lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in entry.items()]
        elif isinstance(section, dict):
            lines.append(f"[{toml_key(name)}]")
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in section.items()]
        else:
            lines.insert(0, f"{toml_key(name)} = {toml_value(section)}")
    return "\n".join(lines) + "\n"


def edited(config: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply {"imap/port": 70000, "staff/0/alias": DELETE, ...} to a copy of config."""
    config = copy.deepcopy(config)
    for path, value in changes.items():
        *parents, last = path.split("/")
        target: Any = config
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        if isinstance(target, list):
            index = int(last)
            target[index : index + 1] = [value]
        elif value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return config


def write(tmp_path: Path, config: dict[str, Any] | str, name: str = "mailbot.toml") -> Path:
    path = tmp_path / name
    path.write_text(config if isinstance(config, str) else to_toml(config), encoding="utf-8")
    return path


def load(tmp_path: Path, changes: dict[str, Any] | None = None, env=ENV) -> Settings:
    return load_config(write(tmp_path, edited(minimal(tmp_path), changes or {})), env)


def problems(tmp_path: Path, changes: dict[str, Any], env=ENV) -> InvalidConfigError:
    with pytest.raises(InvalidConfigError) as info:
        load(tmp_path, changes, env)
    return info.value


# --------------------------------------------------------------------------- valid configs


def test_minimal_config_has_the_defaults_of_design_7(tmp_path):
    s = load(tmp_path)
    org = s.organisation
    assert org.name == "Voorbeeld Training & Coaching"
    assert (org.language, org.timezone, org.holiday_country) == ("nl", "Europe/Amsterdam", "NL")
    assert (org.closed_days, org.good_friday_is_working_day) == ((), True)
    assert (org.case_prefix, org.templates_dir) == ("KL", None)
    assert (s.imap.port, s.imap.security, s.imap.password) == (993, "tls", "geheim")
    assert (s.imap.folder, s.imap.processed_folder, s.imap.quarantine_folder) == (
        "INBOX",
        "Processed",
        "Quarantine",
    )
    assert (s.imap.idle, s.imap.poll_seconds, s.imap.batch_size) == (True, 60, 100)
    assert s.imap.timeout_seconds == 30.0
    assert s.smtp.connections == 3
    assert (s.smtp.port, s.smtp.security, s.smtp.username, s.smtp.password) == (
        587,
        "starttls",
        None,
        None,
    )
    assert s.addresses.operator is None
    assert s.staff[0].alias == "anna" and s.staff[0].roles == ("contact", "co-owner")
    assert s.chair is not None and s.chair.name == "Bram Jansen"
    assert (s.business_hours.start, s.business_hours.end) == (time(8, 30), time(17, 30))
    assert s.security.trusted_authserv_id is None
    assert s.security.max_message_bytes == 26_214_400
    assert s.security.max_auto_replies_per_sender_per_day == 3
    assert s.storage.data_dir == tmp_path / "data"
    assert s.storage.retention == Term(2, "years")
    assert dict(s.deadlines) == {n: parse_term(t) for n, t in DEFAULT_TERMS.items()}
    assert tuple(s.deadlines) == DEADLINE_NAMES
    assert s.source == tmp_path / "mailbot.toml"


def test_example_config_loads_with_its_password_files_in_place(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in ("imap-password", "smtp-password"):
        (tmp_path / name).write_text(f"{name}-secret\n", encoding="utf-8")
        assert f"/etc/mailbot/{name}" in text
        text = text.replace(f"/etc/mailbot/{name}", str(tmp_path / name))
    s = load_config(write(tmp_path, text), {})
    assert s.imap.password == "imap-password-secret"
    assert s.smtp.password == "smtp-password-secret"
    assert s.warnings == ()
    assert len(s.staff) >= 1 and len(s.committee) >= 1


def test_example_config_documents_every_key():
    from mailbot.config.schema import SECTION_KEYS

    text = EXAMPLE.read_text(encoding="utf-8")
    for section, keys in SECTION_KEYS.items():
        assert re.search(rf"^(# )?\[\[?{section}\]\]?$", text, re.M), section
        for key in keys:
            assert re.search(rf'^#? ?"?{re.escape(key)}"? = ', text, re.M), f"{section}.{key}"


@pytest.mark.parametrize(
    ("section", "host", "security", "port"),
    [
        ("imap", "imap.example.nl", "tls", 993),
        ("imap", "imap.example.nl", "starttls", 143),
        ("imap", "localhost", "none", 143),
        ("smtp", "smtp.example.nl", "tls", 465),
        ("smtp", "smtp.example.nl", "starttls", 587),
        ("smtp", "127.0.0.1", "none", 25),
        ("smtp", "127.8.9.10", "none", 25),
        ("smtp", "::1", "none", 25),
        ("smtp", "LOCALHOST", "none", 25),
    ],
)
def test_port_defaults_by_security(tmp_path, section, host, security, port):
    s = load(tmp_path, {f"{section}/host": host, f"{section}/security": security})
    assert getattr(s, section).port == port


def test_explicit_port_wins(tmp_path):
    assert load(tmp_path, {"smtp/port": 2525, "smtp/security": "tls"}).smtp.port == 2525


def test_deadline_overrides_merge_with_defaults(tmp_path):
    s = load(
        tmp_path,
        {"deadlines/formal.decision": "6 weken", "deadlines/direct.response": "2 werkdagen"},
    )
    assert s.deadlines["formal.decision"] == Term(6, "weeks")
    assert s.deadlines["direct.response"] == Term(2, "working_days")
    assert s.deadlines["mediation.outcome"] == Term(4, "weeks")
    assert set(s.deadlines) == set(DEADLINE_NAMES)


def test_unquoted_dotted_deadline_names_are_accepted(tmp_path):
    text = to_toml(minimal(tmp_path)) + '[deadlines]\nformal.decision = "5 weeks"\n'
    assert load_config(write(tmp_path, text), ENV).deadlines["formal.decision"] == Term(5, "weeks")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"storage/retention": "3 years"}, Term(3, "years")),
        ({"deadlines/retention": "18 maanden"}, Term(18, "months")),
        ({"storage/retention": "1 year", "deadlines/retention": "12 months"}, None),
        ({"storage/retention": "2 jaar", "deadlines/retention": "2 years"}, Term(2, "years")),
    ],
)
def test_retention_is_one_term_in_two_places(tmp_path, changes, expected):
    if expected is None:
        error = problems(tmp_path, changes)
        assert error.key == "deadlines.retention"
        assert "differs from storage.retention (1 years)" in error.problem
        return
    s = load(tmp_path, changes)
    assert s.storage.retention == s.deadlines["retention"] == expected


def test_password_sources(tmp_path):
    secret = tmp_path / "secrets" / "imap"
    secret.parent.mkdir()
    secret.write_text(" spaces kept \n", encoding="utf-8")
    s = load(tmp_path, {"imap/password_env": DELETE, "imap/password_file": "secrets/imap"})
    assert s.imap.password == " spaces kept "  # relative to the config's directory
    s = load(
        tmp_path,
        {"smtp/username": "klachten@example.nl", "smtp/password_env": "SMTP_PW"},
        env={**ENV, "SMTP_PW": "smtp-geheim"},
    )
    assert (s.smtp.username, s.smtp.password) == ("klachten@example.nl", "smtp-geheim")
    s = load(tmp_path, {"imap/password_env": DELETE, "imap/password": "inline"}, env={})
    assert s.imap.password == "inline"
    assert any("imap.password is written in the config file itself" in w for w in s.warnings)


def test_values_are_normalised(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    changes = {
        "organisation/holiday_country": "be",
        "organisation/closed_days": ["2026-12-31", date(2026, 12, 24), "2026-12-31"],
        "organisation/templates_dir": "templates",
        "business_hours/start": time(9, 0),
        "business_hours/end": "17:00",
        "imap/timeout_seconds": 10,
        "staff/0/alias": DELETE,
        "staff/0/email": "Anna.de.Vries@example.nl",
    }
    s = load(tmp_path, changes)
    assert s.organisation.holiday_country == "BE"
    assert s.organisation.closed_days == (date(2026, 12, 24), date(2026, 12, 31))
    assert s.organisation.templates_dir == templates
    assert (s.business_hours.start, s.business_hours.end) == (time(9), time(17))
    assert s.imap.timeout_seconds == 10.0 and isinstance(s.imap.timeout_seconds, float)
    assert s.staff[0].alias == "anna.de.vries"


@pytest.mark.parametrize(
    "address",
    ["anna@localhost", "a.b+klachten@sub.example.org", "ANNA@Example.NL", "o'brien@example.nl"],
)
def test_valid_addresses(tmp_path, address):
    assert load(tmp_path, {"staff/0/email": address}).staff[0].email == address


def test_staff_without_roles_is_allowed(tmp_path):
    s = load(tmp_path, {"staff/1": {"name": "Tom Visser", "email": "tom@example.nl", "roles": []}})
    assert s.staff[1].roles == () and s.staff[1].alias == "tom"


def test_settings_are_frozen(tmp_path):
    s = load(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.imap.port = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.organisation = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.deadlines["formal.decision"] = Term(1, "days")  # type: ignore[index]
    assert isinstance(s.deadlines, MappingProxyType)
    assert isinstance(s.staff, tuple) and isinstance(s.committee, tuple)
    assert isinstance(s.organisation.closed_days, tuple) and isinstance(s.warnings, tuple)


# --------------------------------------------------------------------------- warnings

AUTHSERV = "security.trusted_authserv_id is not set"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, [AUTHSERV]),
        ({"security/trusted_authserv_id": "mx.example.nl"}, []),
        ({"committee/0/role": "member"}, [AUTHSERV, 'no [[committee]] member has role = "chair"']),
        ({"staff/0/roles": ["co-owner"]}, [AUTHSERV, 'no [[staff]] member has the role "contact"']),
        ({"staff/0/roles": ["contact"]}, [AUTHSERV, 'no [[staff]] member has the role "co-owner"']),
    ],
)
def test_warnings(tmp_path, changes, expected):
    warnings = load(tmp_path, changes).warnings
    assert len(warnings) == len(expected)
    for warning, start in zip(warnings, expected, strict=True):
        assert warning.startswith(start)


def test_authserv_warning_says_from_can_be_forged(tmp_path):
    (warning,) = load(tmp_path).warnings
    assert "accepted on the From address alone, which anyone can forge" in warning


# --------------------------------------------------------------------------- errors

STAFF_2 = {"name": "Pieter Bakker", "email": "pieter@example.nl", "alias": "pieter"}
CHAIR_2 = {"name": "Carla Smit", "email": "carla.smit@example.org", "role": "chair"}

ERRORS = [
    # missing required keys and sections
    (
        "no organisation.name",
        {"organisation/name": DELETE},
        "organisation.name",
        "required key is missing",
    ),
    ("no [imap]", {"imap": DELETE}, "imap", "required section [imap] is missing"),
    ("no imap.host", {"imap/host": DELETE}, "imap.host", "required key is missing"),
    ("no imap.username", {"imap/username": DELETE}, "imap.username", "required key is missing"),
    (
        "no imap password",
        {"imap/password_env": DELETE},
        "imap.password_file",
        "required: a password source (password_file, password_env or password)",
    ),
    ("no smtp.host", {"smtp/host": DELETE}, "smtp.host", "required key is missing"),
    (
        "no complaints address",
        {"addresses/complaints": DELETE},
        "addresses.complaints",
        "required key is missing",
    ),
    (
        "no committee address",
        {"addresses/committee": DELETE},
        "addresses.committee",
        "required key is missing",
    ),
    ("no staff", {"staff": DELETE}, "staff", "at least one [[staff]] entry is required"),
    ("empty staff", {"staff": []}, "staff", "at least one [[staff]] entry is required"),
    (
        "no committee",
        {"committee": DELETE},
        "committee",
        "at least one [[committee]] entry is required",
    ),
    (
        "no storage.data_dir",
        {"storage/data_dir": DELETE},
        "storage.data_dir",
        "required key is missing",
    ),
    ("no staff name", {"staff/0/name": DELETE}, "staff[1].name", "required key is missing"),
    (
        "no committee email",
        {"committee/0/email": DELETE},
        "committee[1].email",
        "required key is missing",
    ),
    # wrong types
    (
        "port is a string",
        {"imap/port": "abc"},
        "imap.port",
        'expected an integer, got string "abc"',
    ),
    ("port is a bool", {"imap/port": True}, "imap.port", "expected an integer, got boolean true"),
    ("port is a float", {"smtp/port": 25.0}, "smtp.port", "expected an integer, got float 25.0"),
    (
        "idle is a string",
        {"imap/idle": "yes"},
        "imap.idle",
        'expected a boolean (true or false), got string "yes"',
    ),
    (
        "name is a number",
        {"organisation/name": 42},
        "organisation.name",
        "expected a string, got integer 42",
    ),
    ("empty name", {"organisation/name": "  "}, "organisation.name", "must not be empty"),
    (
        "timeout is a string",
        {"smtp/timeout_seconds": "30"},
        "smtp.timeout_seconds",
        'expected a number of seconds, got string "30"',
    ),
    (
        "closed_days not an array",
        {"organisation/closed_days": "2026-12-24"},
        "organisation.closed_days",
        'expected an array, got string "2026-12-24"',
    ),
    (
        "section is a string",
        {"organisation": "Voorbeeld"},
        "organisation",
        'expected a table [organisation], got string "Voorbeeld"',
    ),
    (
        "staff is a table",
        {"staff": STAFF_2},
        "staff",
        "expected an array of tables [[staff]], got a table",
    ),
    (
        "good friday is a string",
        {"organisation/good_friday_is_working_day": "ja"},
        "organisation.good_friday_is_working_day",
        "expected a boolean",
    ),
    # out of range
    ("port 0", {"imap/port": 0}, "imap.port", "must be 1 to 65535, got 0"),
    ("port 70000", {"smtp/port": 70000}, "smtp.port", "must be 1 to 65535, got 70000"),
    ("poll 0", {"imap/poll_seconds": 0}, "imap.poll_seconds", "must be at least 1, got 0"),
    ("batch 1001", {"imap/batch_size": 1001}, "imap.batch_size", "must be 1 to 1000, got 1001"),
    ("batch 0", {"imap/batch_size": 0}, "imap.batch_size", "must be 1 to 1000, got 0"),
    ("connections 0", {"smtp/connections": 0}, "smtp.connections", "must be 1 to 8, got 0"),
    ("connections 9", {"smtp/connections": 9}, "smtp.connections", "must be 1 to 8, got 9"),
    (
        "timeout 0",
        {"imap/timeout_seconds": 0},
        "imap.timeout_seconds",
        "must be more than 0 and at most 3600 seconds, got 0",
    ),
    (
        "max bytes 0",
        {"security/max_message_bytes": 0},
        "security.max_message_bytes",
        "must be at least 1, got 0",
    ),
    (
        "auto replies 0",
        {"security/max_auto_replies_per_sender_per_day": 0},
        "security.max_auto_replies_per_sender_per_day",
        "must be at least 1, got 0",
    ),
    # not one of the allowed values
    (
        "security ssl",
        {"imap/security": "ssl"},
        "imap.security",
        'expected one of "tls", "starttls", "none", got string "ssl"',
    ),
    (
        "security TLS",
        {"smtp/security": "TLS"},
        "smtp.security",
        'expected one of "tls", "starttls", "none", got string "TLS" (did you mean "tls"?)',
    ),
    (
        "language de",
        {"organisation/language": "de"},
        "organisation.language",
        'expected one of "nl", "en", got string "de"',
    ),
    (
        "committee role",
        {"committee/0/role": "voorzitter"},
        "committee[1].role",
        'expected one of "chair", "member", got string "voorzitter"',
    ),
    (
        "staff role",
        {"staff/0/roles": ["contact", "owner"]},
        "staff[1].roles[2]",
        'expected one of "contact", "co-owner", got string "owner" (did you mean "co-owner"?)',
    ),
    (
        "staff role twice",
        {"staff/0/roles": ["contact", "contact"]},
        "staff[1].roles[2]",
        '"contact" is listed twice',
    ),
    # unknown keys and sections
    (
        "typo in key",
        {"imap/pasword_file": "/x"},
        "imap.pasword_file",
        'unknown key "pasword_file" (did you mean "password_file"?)',
    ),
    (
        "unknown key",
        {"organisation/colour": "blue"},
        "organisation.colour",
        'unknown key "colour"; allowed: name, language, timezone',
    ),
    (
        "typo in section",
        {"imapp/host": "x"},
        "imapp",
        "unknown section [imapp] (did you mean [imap]?)",
    ),
    (
        "unknown section",
        {"logging/level": "debug"},
        "logging",
        "unknown section [logging]; the sections are [organisation], [imap]",
    ),
    ("unknown top-level key", {"debug": True}, "debug", 'unknown key "debug"'),
    (
        "typo in staff key",
        {"staff/0/emial": "x@example.nl"},
        "staff[1].emial",
        'unknown key "emial" (did you mean "email"?)',
    ),
    (
        "unknown deadline",
        {"deadlines/formal.decison": "4 weeks"},
        'deadlines."formal.decison"',
        'unknown deadline "formal.decison" (did you mean "formal.decision"?)',
    ),
    # e-mail addresses
    (
        "bad address",
        {"addresses/complaints": "klachten"},
        "addresses.complaints",
        '"klachten" is not a valid e-mail address',
    ),
    (
        "address with name",
        {"addresses/operator": "Beheer <beheer@example.nl>"},
        "addresses.operator",
        "expected a bare e-mail address (no name, no <>)",
    ),
    (
        "address without tld",
        {"staff/0/email": "anna@example"},
        "staff[1].email",
        '"anna@example" is not a valid e-mail address',
    ),
    (
        "double dot",
        {"committee/0/email": "bram..jansen@example.org"},
        "committee[1].email",
        "is not a valid e-mail address",
    ),
    # organisation
    (
        "time zone",
        {"organisation/timezone": "Europe/Amsterdm"},
        "organisation.timezone",
        'unknown time zone "Europe/Amsterdm" (did you mean "Europe/Amsterdam"?)',
    ),
    (
        "time zone nonsense",
        {"organisation/timezone": "Mars/Olympus"},
        "organisation.timezone",
        'unknown time zone "Mars/Olympus"',
    ),
    (
        "holiday country",
        {"organisation/holiday_country": "XX"},
        "organisation.holiday_country",
        'unknown holiday country "XX"',
    ),
    (
        "closed day 30 feb",
        {"organisation/closed_days": ["2026-12-24", "2026-02-30"]},
        "organisation.closed_days[2]",
        '"2026-02-30" is not a valid date',
    ),
    (
        "closed day d-m-y",
        {"organisation/closed_days": ["24-12-2026"]},
        "organisation.closed_days[1]",
        "expected a date YYYY-MM-DD like 2026-12-24, got string",
    ),
    (
        "case prefix lower",
        {"organisation/case_prefix": "kl"},
        "organisation.case_prefix",
        'expected 2 to 6 capital letters A-Z, got string "kl"',
    ),
    (
        "case prefix long",
        {"organisation/case_prefix": "KLACHTEN"},
        "organisation.case_prefix",
        "expected 2 to 6 capital letters A-Z",
    ),
    (
        "case prefix 1",
        {"organisation/case_prefix": "K"},
        "organisation.case_prefix",
        "expected 2 to 6 capital letters A-Z",
    ),
    (
        "templates_dir missing",
        {"organisation/templates_dir": "no-such-dir"},
        "organisation.templates_dir",
        'no-such-dir" does not exist',
    ),
    (
        "templates_dir a file",
        {"organisation/templates_dir": "mailbot.toml"},
        "organisation.templates_dir",
        'mailbot.toml" is not a directory',
    ),
    # business hours
    (
        "bad HH:MM",
        {"business_hours/start": "8h30"},
        "business_hours.start",
        'expected a time "HH:MM" like "08:30", got string "8h30"',
    ),
    ("hour 25", {"business_hours/end": "25:00"}, "business_hours.end", 'expected a time "HH:MM"'),
    (
        "end before start",
        {"business_hours/start": "17:30", "business_hours/end": "08:00"},
        "business_hours.end",
        "must be after business_hours.start (17:30), got 08:00",
    ),
    (
        "end equals start",
        {"business_hours/start": "09:00", "business_hours/end": "09:00"},
        "business_hours.end",
        "must be after business_hours.start (09:00), got 09:00",
    ),
    # people
    (
        "duplicate alias",
        {"staff/1": {**STAFF_2, "alias": "Anna"}},
        "staff[2].alias",
        'duplicate alias "Anna": also staff[1] (Anna de Vries)',
    ),
    (
        "duplicate staff email",
        {"staff/1": {**STAFF_2, "email": "ANNA@example.nl"}},
        "staff[2].email",
        'duplicate e-mail "ANNA@example.nl": also staff[1] (Anna de Vries)',
    ),
    (
        "duplicate committee email",
        {"committee/1": {**CHAIR_2, "role": "member", "email": "bram.jansen@example.org"}},
        "committee[2].email",
        'duplicate e-mail "bram.jansen@example.org": also committee[1]',
    ),
    (
        "staff and committee",
        {"committee/0/email": "anna@example.nl"},
        "committee[1].email",
        '"anna@example.nl" is also staff[1] (Anna de Vries): a person is either staff or committee',
    ),
    (
        "own address as staff",
        {"staff/0/email": "klachten@example.nl"},
        "staff[1].email",
        '"klachten@example.nl" is one of mailbot\'s own addresses',
    ),
    (
        "two chairs",
        {"committee/1": CHAIR_2},
        "committee[2].role",
        "only one chair is allowed; committee[1] is chair already",
    ),
    (
        "bad alias",
        {"staff/0/alias": "anna de vries"},
        "staff[1].alias",
        'expected one word of letters, digits, ".", "_" or "-"',
    ),
    (
        "underivable alias",
        {"staff/0/alias": DELETE, "staff/0/email": "anna+kl@example.nl"},
        "staff[1].alias",
        'required: "anna+kl" (from the e-mail address) is not an alias',
    ),
    (
        "same addresses",
        {"addresses/committee": "Klachten@example.nl"},
        "addresses.committee",
        "must differ from addresses.complaints",
    ),
    # terms
    (
        "unparseable term",
        {"deadlines/formal.decision": "four weeks"},
        'deadlines."formal.decision"',
        'cannot read "four weeks" as a term: write a whole number',
    ),
    (
        "unknown unit",
        {"storage/retention": "2 eons"},
        "storage.retention",
        'unknown unit "eons" in "2 eons"',
    ),
    (
        "zero term",
        {"deadlines/formal.evaluation": "0 days"},
        'deadlines."formal.evaluation"',
        'the amount in "0 days" must be 1 to 1000',
    ),
    (
        "term is a number",
        {"deadlines/direct.response": 1},
        'deadlines."direct.response"',
        'expected a term like "5 working days", got integer 1',
    ),
    # hosts and security
    (
        "none not loopback",
        {"imap/security": "none"},
        "imap.security",
        '"none" (no encryption) is only allowed for a loopback host',
    ),
    (
        "none on a lan address",
        {"smtp/security": "none", "smtp/host": "192.168.1.10"},
        "smtp.security",
        'not "192.168.1.10"',
    ),
    (
        "host is a url",
        {"imap/host": "imaps://imap.example.nl"},
        "imap.host",
        "expected a host name or IP address (not a URL)",
    ),
    # folders
    (
        "processed is inbox",
        {"imap/processed_folder": "inbox"},
        "imap.processed_folder",
        "must differ from imap.folder",
    ),
    (
        "quarantine is processed",
        {"imap/quarantine_folder": "Processed"},
        "imap.quarantine_folder",
        "must differ from imap.processed_folder",
    ),
    # secrets
    (
        "two password sources",
        {"imap/password": "x"},
        "imap.password",
        "give only one password source, not password_env and password",
    ),
    (
        "password file missing",
        {"imap/password_env": DELETE, "imap/password_file": "nope"},
        "imap.password_file",
        'cannot read password file "',
    ),
    (
        "password env unset",
        {"imap/password_env": "NO_SUCH_VAR"},
        "imap.password_env",
        "environment variable NO_SUCH_VAR is not set",
    ),
    (
        "password env bad name",
        {"imap/password_env": "$IMAP_PW"},
        "imap.password_env",
        '"$IMAP_PW" is not an environment variable name',
    ),
    (
        "smtp user without password",
        {"smtp/username": "klachten@example.nl"},
        "smtp.password_file",
        "required: a password source",
    ),
    (
        "smtp password without user",
        {"smtp/password_env": "IMAP_PW"},
        "smtp.password_env",
        "is only used with smtp.username, which is not set",
    ),
    (
        "data_dir is a file",
        {"storage/data_dir": "mailbot.toml"},
        "storage.data_dir",
        "exists but is not a directory",
    ),
]


@pytest.mark.parametrize(
    ("changes", "key", "problem"),
    [row[1:] for row in ERRORS],
    ids=[row[0] for row in ERRORS],
)
def test_error(tmp_path, changes, key, problem):
    error = problems(tmp_path, changes)
    assert [(e.key, e.problem) for e in error.errors] == [(key, error.problem)], error
    assert error.key == key
    assert problem in error.problem
    assert error.file == str(tmp_path / "mailbot.toml")
    assert str(error).startswith(f"{tmp_path / 'mailbot.toml'}: {key}: ")


def test_password_file_problems_name_the_file(tmp_path):
    empty = tmp_path / "empty-password"
    empty.write_text("\n", encoding="utf-8")
    two = tmp_path / "two-lines"
    two.write_text("a\nb\n", encoding="utf-8")
    for path, problem in ((empty, "is empty"), (two, "has more than one line")):
        error = problems(tmp_path, {"imap/password_env": DELETE, "imap/password_file": str(path)})
        assert error.key == "imap.password_file"
        assert error.problem == f'password file "{path}" {problem}'
    missing = tmp_path / "nope"
    error = problems(tmp_path, {"imap/password_env": DELETE, "imap/password_file": "nope"})
    assert error.problem == f'cannot read password file "{missing}": No such file or directory'


def test_empty_password_env_is_an_error(tmp_path):
    error = problems(tmp_path, {}, env={"IMAP_PW": ""})
    assert (error.key, error.problem) == (
        "imap.password_env",
        "environment variable IMAP_PW is empty",
    )


def test_all_problems_are_reported_at_once(tmp_path):
    error = problems(
        tmp_path,
        {"imap/port": "abc", "organisation/language": "de", "imap/pasword_file": "x"},
    )
    assert error.key is None
    assert [e.key for e in error.errors] == [
        "organisation.language",
        "imap.pasword_file",
        "imap.port",
    ]
    lines = str(error).splitlines()
    assert lines[0] == f"{tmp_path / 'mailbot.toml'}: 3 problems:"
    assert lines[1].startswith("  organisation.language: expected one of")
    assert len(lines) == 4


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path, '[organisation]\nname = "x"\nlanguage = \n')
    with pytest.raises(ConfigError) as info:
        load_config(path, ENV)
    assert info.value.key is None
    assert info.value.problem == "not valid TOML: Invalid value (at line 3, column 12)"


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read: No such file or directory"):
        load_config(tmp_path / "absent.toml", ENV)
    path = tmp_path / "latin1.toml"
    path.write_bytes('[organisation]\nname = "Caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(path, ENV)


# --------------------------------------------------------------------------- find_config


@pytest.fixture
def places(tmp_path):
    cwd, etc = tmp_path / "cwd", tmp_path / "etc" / "mailbot.toml"
    cwd.mkdir()
    etc.parent.mkdir()
    return cwd, etc


@pytest.mark.parametrize(
    ("cli", "env", "present", "expected"),
    [
        ("given.toml", {"MAILBOT_CONFIG": "env.toml"}, ["given", "env", "local", "etc"], "given"),
        (None, {"MAILBOT_CONFIG": "env.toml"}, ["env", "local", "etc"], "env"),
        (None, {"MAILBOT_CONFIG": ""}, ["local", "etc"], "local"),
        (None, {}, ["local", "etc"], "local"),
        (None, {}, ["etc"], "etc"),
    ],
)
def test_find_config_order(places, cli, env, present, expected):
    cwd, etc = places
    paths = {
        "given": cwd / "given.toml",
        "env": cwd / "env.toml",
        "local": cwd / "mailbot.toml",
        "etc": etc,
    }
    for name in present:
        paths[name].write_text("", encoding="utf-8")
    assert find_config(cli, env, cwd, system_path=etc) == paths[expected]


@pytest.mark.parametrize(
    ("cli", "env", "message"),
    [
        ("given.toml", {"MAILBOT_CONFIG": "env.toml"}, "given.toml: no such file (given with -c)"),
        (None, {"MAILBOT_CONFIG": "env.toml"}, "env.toml: no such file (named by $MAILBOT_CONFIG)"),
        (
            None,
            {},
            "mailbot.toml: no config file found: tried {cwd}/mailbot.toml and {etc} "
            "(no -c given, $MAILBOT_CONFIG not set)",
        ),
    ],
)
def test_find_config_says_where_it_looked(places, cli, env, message):
    cwd, etc = places
    if cli or env:  # an explicit choice that does not exist never falls back to these
        (cwd / "mailbot.toml").write_text("", encoding="utf-8")
        etc.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        find_config(cli, env, cwd, system_path=etc)
    assert str(info.value).endswith(message.format(cwd=cwd, etc=etc))


def test_find_config_refuses_a_directory(places):
    cwd, etc = places
    with pytest.raises(ConfigError, match="not a regular file"):
        find_config(str(cwd), {}, cwd, system_path=etc)


def test_find_config_default_system_path(tmp_path):
    from mailbot.config.load import SYSTEM_CONFIG

    assert Path("/etc/mailbot/mailbot.toml") == SYSTEM_CONFIG


# --------------------------------------------------------------------------- parse_term


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("5 working days", Term(5, "working_days")),
        ("1 working day", Term(1, "working_days")),
        ("2 working_days", Term(2, "working_days")),
        ("4 weeks", Term(4, "weeks")),
        ("1 week", Term(1, "weeks")),
        ("10 days", Term(10, "days")),
        ("1 day", Term(1, "days")),
        ("6 months", Term(6, "months")),
        ("1 month", Term(1, "months")),
        ("2 years", Term(2, "years")),
        ("1 year", Term(1, "years")),
        ("5 werkdagen", Term(5, "working_days")),
        ("1 werkdag", Term(1, "working_days")),
        ("4 weken", Term(4, "weeks")),
        ("1 week", Term(1, "weeks")),
        ("10 dagen", Term(10, "days")),
        ("1 dag", Term(1, "days")),
        ("6 maanden", Term(6, "months")),
        ("1 maand", Term(1, "months")),
        ("2 jaar", Term(2, "years")),
        ("3 jaren", Term(3, "years")),
        ("  5   Working   Days ", Term(5, "working_days")),
        ("1000 days", Term(1000, "days")),
    ],
)
def test_parse_term(text, term):
    assert parse_term(text) == term
    assert parse_term(str(term)) == term


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", 'cannot read "" as a term: write a whole number and a unit'),
        ("weeks", 'cannot read "weeks" as a term'),
        ("four weeks", 'cannot read "four weeks" as a term'),
        ("4", 'cannot read "4" as a term'),
        ("-1 days", 'cannot read "-1 days" as a term'),
        ("1.5 weeks", 'cannot read "1.5 weeks" as a term'),
        ("4 fortnights", 'unknown unit "fortnights" in "4 fortnights"'),
        ("0 days", 'the amount in "0 days" must be 1 to 1000'),
        ("1001 days", 'the amount in "1001 days" must be 1 to 1000'),
    ],
)
def test_parse_term_refuses(text, problem):
    with pytest.raises(ValueError) as info:
        parse_term(text)
    assert str(info.value).startswith(problem)


def test_parse_term_error_lists_the_accepted_forms():
    with pytest.raises(ValueError) as info:
        parse_term("4 fortnights")
    for form in (
        "5 working days",
        "4 weeks",
        "10 days",
        "6 months",
        "2 years",
        "5 werkdagen",
        "2 jaar",
    ):
        assert f'"{form}"' in str(info.value)


# --------------------------------------------------------------------------- oauth2 (issue 13)

M365 = {
    "imap/auth": "oauth2",
    "imap/password_env": DELETE,
    "smtp/auth": "oauth2",
    "smtp/username": "klachten@example.nl",
    "oauth2/provider": "microsoft365",
    "oauth2/tenant": "example.onmicrosoft.com",
    "oauth2/client_id": "11111111-2222-3333-4444-555555555555",
    "oauth2/client_secret_env": "OAUTH_SECRET",
}
OAUTH_ENV = {**ENV, "OAUTH_SECRET": "s3cret"}


def service_account_file(tmp_path: Path, name: str = "sa.json", **fields: Any) -> Path:
    doc = {
        "type": "service_account",
        "client_email": "mailbot@example-project.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
        "private_key_id": "k1",
        **fields,
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def google(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        **{k: v for k, v in M365.items() if not k.startswith("oauth2/")},
        "oauth2/provider": "google",
        "oauth2/service_account_file": str(service_account_file(tmp_path, "default.json")),
        **extra,
    }


def test_microsoft365_client_secret_defaults(tmp_path):
    s = load(tmp_path, M365, env=OAUTH_ENV)
    o = s.oauth2
    assert (s.imap.auth, s.imap.password, s.smtp.auth, s.smtp.password) == (
        "oauth2",
        "",
        "oauth2",
        None,
    )
    assert (o.provider, o.credential, o.client_secret) == (
        "microsoft365",
        "client_secret",
        "s3cret",
    )
    base = "https://login.microsoftonline.com/example.onmicrosoft.com/oauth2/v2.0/"
    assert o.token_url == base + "token"
    assert (o.authorization_url, o.device_authorization_url) == (
        base + "authorize",
        base + "devicecode",
    )
    assert o.scope == "https://outlook.office365.com/.default"
    assert s.smtp.max_messages_per_minute == 30  # Exchange Online's rate, implied
    assert "s3cret" not in repr(s)
    assert s.security.authentication == "standard"


def test_defaults_without_oauth2(tmp_path):
    s = load(tmp_path)
    assert (s.imap.auth, s.smtp.auth, s.oauth2) == ("password", "password", None)
    assert s.smtp.max_messages_per_minute is None


def test_explicit_pacing_wins_over_the_microsoft365_default(tmp_path):
    s = load(tmp_path, {**M365, "smtp/max_messages_per_minute": 20}, env=OAUTH_ENV)
    assert s.smtp.max_messages_per_minute == 20


def test_microsoft365_delegated_scope_and_secretless_refresh(tmp_path):
    changes = {**M365, "oauth2/client_secret_env": DELETE}
    changes["oauth2/refresh_token_file"] = "refresh-token"  # need not exist yet
    o = load(tmp_path, changes, env=OAUTH_ENV).oauth2
    assert (o.credential, o.client_secret) == ("refresh_token", None)
    assert o.refresh_token_file == tmp_path / "refresh-token"
    assert o.scope == (
        "https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/SMTP.Send offline_access"
    )


def test_google_service_account(tmp_path):
    s = load(tmp_path, google(tmp_path), env=OAUTH_ENV)
    o = s.oauth2
    assert (o.credential, o.token_url, o.scope) == (
        "service_account",
        "https://oauth2.googleapis.com/token",
        "https://mail.google.com/",
    )
    assert o.authorization_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert o.device_authorization_url is None
    assert s.smtp.max_messages_per_minute is None


def test_google_service_account_token_uri_and_refresh_with_client_secret(tmp_path):
    path = service_account_file(tmp_path, token_uri="https://oauth2.example.org/token")
    o = load(tmp_path, google(tmp_path, **{"oauth2/service_account_file": str(path)})).oauth2
    assert o.token_url == "https://oauth2.example.org/token"
    changes = google(tmp_path, **{"oauth2/service_account_file": DELETE})
    changes |= {
        "oauth2/client_id": "x.apps.googleusercontent.com",
        "oauth2/refresh_token_file": "token",
        "oauth2/client_secret_env": "OAUTH_SECRET",
    }
    o = load(tmp_path, changes, env=OAUTH_ENV).oauth2
    assert (o.credential, o.client_secret) == ("refresh_token", "s3cret")


def test_generic_with_loopback_http_and_token_command(tmp_path):
    changes = {
        **{k: v for k, v in M365.items() if not k.startswith("oauth2/")},
        "oauth2/provider": "generic",
        "oauth2/token_command": "print-token --user klachten@example.nl",
        "oauth2/token_command_timeout_seconds": 5,
    }
    o = load(tmp_path, changes).oauth2
    assert (o.credential, o.client_id, o.token_url, o.scope) == ("token_command", "", "", "")
    assert o.token_command_timeout_seconds == 5.0
    changes = {**M365, "oauth2/token_url": "http://127.0.0.1:8080/t"}
    assert load(tmp_path, changes, env=OAUTH_ENV).oauth2.token_url == "http://127.0.0.1:8080/t"


def test_microsoft365_authentication_silences_the_authserv_warning(tmp_path):
    s = load(tmp_path, {"security/authentication": "microsoft365"})
    assert s.security.authentication == "microsoft365"
    assert not any("trusted_authserv_id" in w for w in s.warnings)


def test_client_certificate_paths(tmp_path):
    for name in ("cert.pem", "key.pem"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    changes = {
        **M365,
        "oauth2/client_secret_env": DELETE,
        "oauth2/client_certificate_file": "cert.pem",
        "oauth2/private_key_file": "key.pem",
    }
    o = load(tmp_path, changes).oauth2
    assert o.credential == "client_certificate"
    assert (o.client_certificate_file, o.private_key_file) == (
        tmp_path / "cert.pem",
        tmp_path / "key.pem",
    )


OAUTH_ERRORS = [
    (
        "password with oauth2",
        {**M365, "imap/password_env": "IMAP_PW"},
        "imap.password_env",
        'not allowed with auth = "oauth2" (the login uses an OAuth 2.0 token)',
    ),
    (
        "smtp password with oauth2",
        {**M365, "smtp/password_env": "IMAP_PW"},
        "smtp.password_env",
        'not allowed with auth = "oauth2"',
    ),
    (
        "smtp oauth2 without username",
        {**M365, "smtp/username": DELETE},
        "smtp.username",
        'required with auth = "oauth2": the mailbox to log in as',
    ),
    (
        "auth typo",
        {**M365, "imap/auth": "oauth"},
        "imap.auth",
        'expected one of "password", "oauth2", got string "oauth" (did you mean "oauth2"?)',
    ),
    (
        "no [oauth2]",
        {"imap/auth": "oauth2", "imap/password_env": DELETE},
        "oauth2",
        'required section [oauth2] is missing: imap.auth = "oauth2" needs it',
    ),
    (
        "unused [oauth2]",
        {k: v for k, v in M365.items() if k.startswith("oauth2/")},
        "oauth2",
        'is set, but neither imap.auth nor smtp.auth is "oauth2"',
    ),
    (
        "no provider",
        {**M365, "oauth2/provider": DELETE},
        "oauth2.provider",
        "required key is missing",
    ),
    (
        "unknown provider",
        {**M365, "oauth2/provider": "office365"},
        "oauth2.provider",
        'expected one of "microsoft365", "google", "generic", got string "office365"',
    ),
    (
        "no credential",
        {**M365, "oauth2/client_secret_env": DELETE},
        "oauth2.client_secret_file",
        "required: exactly one credential (client_secret_file or client_secret_env, "
        "client_certificate_file with private_key_file, service_account_file, "
        "refresh_token_file, or token_command)",
    ),
    (
        "two credentials",
        {**M365, "oauth2/token_command": "print-token"},
        "oauth2.token_command",
        "give only one credential, not client_secret_env and token_command",
    ),
    (
        "two secret sources",
        {**M365, "oauth2/client_secret_file": "/etc/mailbot/x"},
        "oauth2.client_secret_env",
        "give only one client secret source, not client_secret_file and client_secret_env",
    ),
    (
        "certificate without key",
        {**M365, "oauth2/client_secret_env": DELETE, "oauth2/client_certificate_file": "c.pem"},
        "oauth2.private_key_file",
        "required with client_certificate_file: the certificate and its private key",
    ),
    (
        "secret env unset",
        {**M365, "oauth2/client_secret_env": "NOT_SET"},
        "oauth2.client_secret_env",
        "environment variable NOT_SET is not set",
    ),
    (
        "secret file missing",
        {**M365, "oauth2/client_secret_env": DELETE, "oauth2/client_secret_file": "nope"},
        "oauth2.client_secret_file",
        'cannot read client secret file "',
    ),
    (
        "no tenant",
        {**M365, "oauth2/tenant": DELETE},
        "oauth2.tenant",
        'required with provider = "microsoft365" (or give token_url)',
    ),
    (
        "tenant is a URL",
        {**M365, "oauth2/tenant": "https://login.microsoftonline.com/x"},
        "oauth2.tenant",
        "expected the tenant id (a GUID) or a verified domain like example.onmicrosoft.com",
    ),
    (
        "no client_id",
        {**M365, "oauth2/client_id": DELETE},
        "oauth2.client_id",
        "required key is missing",
    ),
    (
        "plain http to a remote host",
        {**M365, "oauth2/token_url": "http://login.example.org/token"},
        "oauth2.token_url",
        "plain http is only allowed for a loopback host (localhost, 127.0.0.0/8, ::1), "
        'not "login.example.org"; use https://',
    ),
    (
        "token_url not a URL",
        {**M365, "oauth2/token_url": "login.example.org/token"},
        "oauth2.token_url",
        'expected an https:// URL, got "login.example.org/token"',
    ),
    (
        "generic without token_url",
        {**M365, "oauth2/provider": "generic", "oauth2/tenant": DELETE},
        "oauth2.token_url",
        'required with provider = "generic"',
    ),
    (
        "tenant with google",
        {
            **M365,
            "oauth2/provider": "google",
            "oauth2/client_secret_env": DELETE,
            "oauth2/token_command": "x",
        },
        "oauth2.tenant",
        'is only used with provider = "microsoft365"',
    ),
    (
        "google client credentials",
        {**M365, "oauth2/provider": "google", "oauth2/tenant": DELETE},
        "oauth2.client_secret_env",
        'is not a credential for provider = "google": Google has no client-credentials grant '
        "for mail: use service_account_file (domain-wide delegation) or refresh_token_file",
    ),
    (
        "service account with microsoft365",
        {**M365, "oauth2/client_secret_env": DELETE, "oauth2/service_account_file": "sa.json"},
        "oauth2.service_account_file",
        'is not a credential for provider = "microsoft365"',
    ),
    (
        "google device flow",
        {
            **M365,
            "oauth2/provider": "google",
            "oauth2/tenant": DELETE,
            "oauth2/client_secret_env": DELETE,
            "oauth2/token_command": "x",
            "oauth2/device_authorization_url": "https://oauth2.googleapis.com/device/code",
        },
        "oauth2.device_authorization_url",
        "Google does not allow the device flow for mail scopes",
    ),
    (
        "refresh token folder missing",
        {**M365, "oauth2/client_secret_env": DELETE, "oauth2/refresh_token_file": "no/such/t"},
        "oauth2.refresh_token_file",
        'the folder "',
    ),
    (
        "pacing 0",
        {"smtp/max_messages_per_minute": 0},
        "smtp.max_messages_per_minute",
        "must be 1 to 10000, got 0",
    ),
    (
        "authentication typo",
        {"security/authentication": "microsoft"},
        "security.authentication",
        'expected one of "standard", "microsoft365", got string "microsoft"',
    ),
    (
        "timeout 0",
        {**M365, "oauth2/token_command_timeout_seconds": 0},
        "oauth2.token_command_timeout_seconds",
        "must be more than 0 and at most 3600 seconds, got 0",
    ),
]


@pytest.mark.parametrize(
    ("changes", "key", "problem"),
    [row[1:] for row in OAUTH_ERRORS],
    ids=[row[0] for row in OAUTH_ERRORS],
)
def test_oauth2_error(tmp_path, changes, key, problem):
    error = problems(tmp_path, changes, env=OAUTH_ENV)
    assert [(e.key, e.problem) for e in error.errors] == [(key, error.problem)], error
    assert problem in error.problem


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"type": "authorized_user"}, '"type" is "authorized_user", not "service_account"'),
        ({"client_email": ""}, 'lacks "client_email"'),
        ({"private_key": "abc"}, '"private_key" is not a PEM private key'),
    ],
)
def test_service_account_file_problems(tmp_path, fields, problem):
    path = service_account_file(tmp_path, **fields)
    error = problems(tmp_path, google(tmp_path, **{"oauth2/service_account_file": str(path)}))
    assert error.key == "oauth2.service_account_file"
    assert error.problem.startswith(f'"{path}": {problem}')


def test_service_account_file_that_is_not_json(tmp_path):
    path = tmp_path / "sa.json"
    path.write_text("{not json", encoding="utf-8")
    error = problems(tmp_path, google(tmp_path, **{"oauth2/service_account_file": str(path)}))
    assert error.problem.startswith(f'"{path}": not a JSON key file (')


def test_service_account_smtp_login_must_be_the_mailbox(tmp_path):
    error = problems(tmp_path, google(tmp_path, **{"smtp/username": "ander@example.nl"}))
    assert error.key == "smtp.username"
    assert 'must be the mailbox imap.username ("klachten@example.nl")' in error.problem


def test_a_key_file_others_can_read_is_warned_about(tmp_path):
    for name in ("cert.pem", "key.pem"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "key.pem").chmod(0o644)
    changes = {
        **M365,
        "oauth2/client_secret_env": DELETE,
        "oauth2/client_certificate_file": "cert.pem",
        "oauth2/private_key_file": "key.pem",
        "security/authentication": "microsoft365",
    }
    s = load(tmp_path, changes)
    assert s.warnings == (
        f'oauth2.private_key_file: "{tmp_path / "key.pem"}" can be read by other users (mode '
        "0644); chmod 600 it: it gives access to the mailbox",
    )
    (tmp_path / "key.pem").chmod(0o600)
    assert load(tmp_path, changes).warnings == ()
