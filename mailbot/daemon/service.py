"""The service: one handle on the parts the composition root wires (intake, outbox, duties),
for the CLI, the demo and the tests; it delegates and decides nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.daemon.duties import Duties, Purgeable
from mailbot.daemon.intake import Intake, Mailbox, PollReport
from mailbot.outbound.pacing import Pacer
from mailbot.outbound.sending import Outbox, Refusal, Sender, SendReport
from mailbot.procedure.workdays import Calendar
from mailbot.store.store import Store


class Service:
    """Taking mail in (`intake`), sending it (`outbox`) and what falls due with time
    (`duties`), each reached here under the name the callers know."""

    def __init__(self, intake: Intake, outbox: Outbox, duties: Duties) -> None:
        self.intake = intake
        self.outbox = outbox
        self.duties = duties

    @property
    def store(self) -> Store:
        return self.duties.store

    @property
    def calendar(self) -> Calendar:
        return self.duties.calendar

    # --- intake ---------------------------------------------------------------------------

    def poll_once(
        self,
        mailbox: Mailbox,
        now: datetime,
        should_stop: Callable[[], bool] = lambda: False,
        after_batch: Callable[[], None] = lambda: None,
        alive: Callable[[], None] = lambda: None,
    ) -> PollReport:
        return self.intake.poll_once(mailbox, now, should_stop, after_batch, alive)

    # --- outbox ---------------------------------------------------------------------------

    @property
    def pacer(self) -> Pacer:
        return self.outbox.pacer

    @pacer.setter
    def pacer(self, pacer: Pacer) -> None:
        self.outbox.pacer = pacer

    def flush_outbox(
        self,
        senders: Callable[[], Sender],
        now: datetime,
        should_stop: Callable[[], bool] = lambda: False,
        *,
        beside_intake: bool = False,
    ) -> SendReport:
        return self.outbox.flush(senders, now, should_stop, beside_intake=beside_intake)

    def record_refusals(self, refusals: list[Refusal], now: datetime) -> None:
        self.outbox.record_refusals(refusals, now)

    def next_outbox_attempt(self) -> datetime | None:
        return self.outbox.next_attempt()

    # --- duties ---------------------------------------------------------------------------

    @property
    def tick(self) -> Callable[[datetime], int]:
        return self.duties.tick

    @tick.setter
    def tick(self, tick: Callable[[datetime], int]) -> None:
        # A test counts the daemon's rounds by wrapping this; the rounds call the duties'.
        self.duties.tick = tick  # type: ignore[method-assign]

    def digest(self, now: datetime) -> int:
        return self.duties.digest(now)

    def yearly_report(self, now: datetime) -> int:
        return self.duties.yearly_report(now)

    def purge(self, now: datetime, mailbox: Purgeable | None, dry_run: bool = False) -> list[str]:
        return self.duties.purge(now, mailbox, dry_run)

    def daily_purge(self, now: datetime, mailbox: Purgeable | None) -> list[str]:
        return self.duties.daily_purge(now, mailbox)

    def next_deadline(self, now: datetime) -> datetime | None:
        return self.duties.next_deadline(now)

    def next_daily(self, now: datetime) -> datetime:
        return self.duties.next_daily(now)
