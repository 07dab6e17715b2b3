"""The demo's invented organisation: its people, their mailboxes, and mailbot's config for them."""

from __future__ import annotations

from pathlib import Path

from mailbot.config.builder import (
    COMMITTEE,
    COMPLAINTS,
    OPERATOR,
    ORGANISATION,
    example_config,
    toml_text,
)
from mailbot.demo.mailsystem import Account

HEADER = "mailbot demo: a local mail system on loopback; made and removed by `mailbot demo`."

ANNA = Account("anna@example.nl", "Anna de Vries", "staff: contact person and co-owner")
PIETER = Account("pieter@example.nl", "Pieter Bakker", "staff: contact person")
BRAM = Account("bram.jansen@example.org", "Bram Jansen", "complaints committee: chair")
CARLA = Account("carla.smit@example.org", "Carla Smit", "complaints committee: member")
SOPHIE = Account("sophie.degroot@example.org", "Sophie de Groot", "client")
MARK = Account("mark.visser@example.org", "Mark Visser", "client")
EVA = Account("eva.mulder@example.nl", "Eva Mulder", "client")
LOTTE = Account("lotte.hendriks@example.org", "Lotte Hendriks", "client")
RUUD = Account("ruud.kok@example.org", "Ruud Kok", "freelance coach (a respondent)")

MAILBOT = Account(COMPLAINTS, ORGANISATION, f"read by mailbot; {COMMITTEE} lands here too")
ACCOUNTS = (
    MAILBOT,
    ANNA,
    PIETER,
    BRAM,
    CARLA,
    SOPHIE,
    MARK,
    EVA,
    LOTTE,
    RUUD,
    Account(OPERATOR, "Beheer", "operator: alerts about mail mailbot could not handle"),
)
ALIASES = {COMMITTEE: COMPLAINTS}  # one mailbox, two addresses


def config_toml(
    *, data_dir: Path, password_file: Path, imap_port: int, smtp_port: int, host: str
) -> str:
    """mailbot's config for the demo's mail system: as an operator would write it."""
    config = example_config(
        organisation={"language": "nl", "timezone": "Europe/Amsterdam", "holiday_country": "NL"},
        imap={
            "host": host,
            "port": imap_port,
            "username": MAILBOT.email,
            "password_file": password_file,
            "poll_seconds": 30,
            "timeout_seconds": 10,
        },
        smtp={"host": host, "port": smtp_port, "timeout_seconds": 10},
        storage={"data_dir": data_dir},
    )
    return toml_text(config, header=HEADER)
