"""The things that happen to a case: the procedure core's input."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.model import MessageRecord
from mailbot.procedure.commands import Command


@dataclass(frozen=True)
class Actor:
    """A staff or committee member giving a command."""

    email: str
    name: str
    roles: frozenset[str]  # staff, co-owner, committee, chair

    @property
    def sees_confidential(self) -> bool:
        return bool(self.roles & {"committee", "co-owner"})


@dataclass(frozen=True)
class ComplaintReceived:
    """The mail (or the `#register`) that opens a case."""

    message: MessageRecord
    may_reply: bool  # False for automatic mail: RFC 3834 forbids answering it


@dataclass(frozen=True)
class ComplainantWrote:
    """A later mail from the complainant (or an automatic mail about the case)."""

    message: MessageRecord
    may_reply: bool
    # The trusted server said dmarc=fail, or the From can be read as another sender: the
    # mail may be forged, so it is kept and shown to staff but takes no procedural step.
    doubtful: bool = False


@dataclass(frozen=True)
class StaffWrote:
    """Staff or committee mail on a case without a command: an internal note. `doubtful`:
    the mail host did not vouch for the sender, so it is kept marked as such."""

    message: MessageRecord
    actor: Actor
    doubtful: bool = False


@dataclass(frozen=True)
class CommandGiven:
    """One command of a staff or committee mail; `text` is the mail's new text."""

    command: Command
    actor: Actor
    message: MessageRecord
    text: str


@dataclass(frozen=True)
class CommandRefused:
    """A refused command, recorded in the audit trail and nothing else."""

    given: str
    actor: Actor
    message: MessageRecord
    reason: str


@dataclass(frozen=True)
class DeliveryFailed:
    """A bounce about mail mailbot sent on the case."""

    message: MessageRecord
    failed_to: str


CaseEvent = (
    ComplaintReceived
    | ComplainantWrote
    | StaffWrote
    | CommandGiven
    | CommandRefused
    | DeliveryFailed
)
