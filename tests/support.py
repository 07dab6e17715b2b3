"""Test support: a complete config written as TOML and loaded through the real loader."""

from __future__ import annotations

from pathlib import Path

from mailbot.config.load import load_config
from mailbot.config.settings import Settings

COMPLAINTS = "klachten@example.nl"
COMMITTEE = "klachtencommissie@example.nl"
OPERATOR = "beheer@example.nl"
ANNA = "anna@example.nl"  # contact + co-owner
PIETER = "pieter@example.nl"  # contact
BRAM = "bram.jansen@example.org"  # committee chair
CLIENT = "jan.jansen@example.org"


def config_text(
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
) -> str:
    return f"""
[organisation]
name = "Voorbeeld Training & Coaching"

[imap]
host = "{imap_host}"
port = {imap_port}
security = "none"
username = "{imap_user}"
password = "{imap_password}"
poll_seconds = {poll_seconds}
timeout_seconds = 10
{extra_imap}

[smtp]
host = "{smtp_host}"
port = {smtp_port}
security = "none"
timeout_seconds = 10

[addresses]
complaints = "{COMPLAINTS}"
committee = "{COMMITTEE}"
operator = "{OPERATOR}"

[[staff]]
name = "Anna de Vries"
email = "{ANNA}"
alias = "anna"
roles = ["contact", "co-owner"]

[[staff]]
name = "Pieter Bakker"
email = "{PIETER}"
alias = "pieter"
roles = ["contact"]

[[committee]]
name = "Bram Jansen"
email = "{BRAM}"
role = "chair"

[[committee]]
name = "Carla Smit"
email = "carla.smit@example.org"
role = "member"

[security]
trusted_authserv_id = "mx.example.nl"

[storage]
data_dir = "{data_dir}"
"""


def write_config(directory: Path, **kwargs: object) -> Path:
    path = directory / "mailbot.toml"
    path.write_text(config_text(directory / "data", **kwargs))  # type: ignore[arg-type]
    return path


def make_settings(directory: Path, **kwargs: object) -> Settings:
    return load_config(write_config(directory, **kwargs), {})
