"""The mail travelling through the pipeline, the steps' interface, and the outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mailbot.config.settings import Settings
from mailbot.errors import ProcedureError
from mailbot.model import Case, InboundMail, SeenRecord
from mailbot.procedure.commands import Command


class CaseReader(Protocol):
    """What the steps may ask of the store: reads only."""

    def get_case(self, case_id: str) -> Case | None: ...
    def case_for_message_id(self, message_id: str) -> str | None: ...
    def seen(self, key: str) -> SeenRecord | None: ...
    def auto_replies(self, to: str | None, since: datetime) -> int: ...


@dataclass(frozen=True)
class PipelineContext:
    settings: Settings
    store: CaseReader
    now: datetime


@dataclass
class InboundItem:
    """One mail and what the steps have learnt about it so far."""

    mail: InboundMail
    raw: bytes
    dedupe_key: str = ""
    no_reply_reason: str | None = None
    automatic: str | None = None  # bounce, delayed, read-receipt, auto-reply, list, bulk
    case: Case | None = None
    linked_by_report: bool = False  # the case was found through a bounce's original mail
    sender_role: str = "stranger"  # complainant | staff | committee | stranger
    roles: frozenset[str] = frozenset()  # staff, co-owner, committee, chair
    track: str = "direct"
    given: list[str] = field(default_factory=list)  # the commands as written
    commands: list[Command] = field(default_factory=list)
    refusal: ProcedureError | None = None
    unvouched: bool = False  # staff or committee mail the mail host did not vouch for


# --- outcomes: a step returns one to end the pipeline ------------------------------------


@dataclass(frozen=True)
class Discard:
    """Nothing to do with this mail beyond recording that it came."""

    reason: str


@dataclass(frozen=True)
class Quarantine:
    """The mail cannot be handled; the operator must look at it."""

    reason: str


@dataclass(frozen=True)
class OpenCase:
    track: str
    may_reply: bool


@dataclass(frozen=True)
class AddToCase:
    case: Case
    role: str  # complainant | staff | committee | robot (a bounce or receipt about the case)
    may_reply: bool
    automatic: str | None = None


@dataclass(frozen=True)
class RunCommands:
    """Staff or committee commands, all checked for who may give them."""

    case: Case | None
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class Refuse:
    """Commands that cannot be carried out: nothing changes; the sender is told why."""

    case: Case | None
    given: tuple[str, ...]
    error: ProcedureError


@dataclass(frozen=True)
class AnswerHelp:
    """Staff or committee mail with neither a case nor a command."""


Outcome = Discard | Quarantine | OpenCase | AddToCase | RunCommands | Refuse | AnswerHelp


class Step(Protocol):
    def __call__(self, item: InboundItem, ctx: PipelineContext) -> Outcome | None:
        """Learn something about `item`, or end the pipeline with an outcome."""
        ...
