"""Sending the outbox: committed mail only, over one or more SMTP sessions, each mail
recorded as sent the moment the server accepted it; refusals recorded on their case."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from mailbot.backoff import Backoff
from mailbot.compose import compose
from mailbot.errors import SmtpError
from mailbot.lanes import split_lanes
from mailbot.model import MessageRecord, OutboundMail
from mailbot.procedure import DeliveryFailed, transition

if TYPE_CHECKING:
    from mailbot.actions import Actions
    from mailbot.settings import Settings
    from mailbot.store import Store

log = logging.getLogger("mailbot")

RETRY = Backoff(initial=60, maximum=3600)  # a deferred mail: 1 min, 2, 4, ... at most 1 h

__all__ = ["OutboxSending", "SendReport", "Sender"]


class Sender(Protocol):
    def open(self) -> None: ...
    def send(self, sender: str, recipient: str, data: bytes) -> None: ...
    def close(self) -> None: ...
    @property
    def connected(self) -> bool: ...


@dataclass(frozen=True)
class Refusal:
    """A mail the server refused for good, still to be recorded on its case."""

    mail: OutboundMail
    error: SmtpError


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    unreachable: bool = False
    refusals: list[Refusal] = field(default_factory=list)  # only beside intake

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.unreachable = self.unreachable or other.unreachable
        self.refusals += other.refusals


class OutboxSending:
    """Mixed into Service, whose settings, store and actions it uses."""

    settings: Settings
    store: Store
    actions: Actions

    def flush_outbox(
        self,
        senders: Callable[[], Sender],
        now: datetime,
        should_stop: Callable[[], bool] = lambda: False,
        *,
        beside_intake: bool = False,
    ) -> SendReport:
        """Send what is due over up to `smtp.connections` sessions (from `senders`); a mail
        counts as sent only once the server accepted it. Only committed mail goes out.

        `beside_intake`: called on a thread of its own while another takes mail in. Then this
        neither commits (the intake thread does; it would commit half a batch) nor changes a
        case: refusals come back in `report.refusals` for the intake thread to record with
        `record_refusals`, so no case is changed by two threads at once."""
        report = SendReport()
        if not beside_intake:
            self.store.commit()
        pending = self.store.pending_outbox(now)
        if not pending:
            return report
        # Prove the store writable before anything goes out: a mail sent but not recorded
        # would be sent again.
        self.store.probe_writable()
        try:
            self._send_lanes(
                split_lanes(pending, self.settings.smtp.connections),
                senders,
                now,
                should_stop,
                report,
            )
            if not beside_intake:
                self.record_refusals(report.refusals, now)
                report.refusals = []
        finally:
            if not beside_intake:  # else the sent journal and the next commit keep the results
                self.store.commit()
        return report

    def record_refusals(self, refusals: list[Refusal], now: datetime) -> None:
        """Mark refused mail failed and record each refusal on its case (staff told), in the
        caller's thread: the one that changes cases and commits."""
        for refusal in refusals:
            mail = refusal.mail
            self.store.update_outbound(
                replace(
                    mail, status="failed", attempts=mail.attempts + 1, last_error=str(refusal.error)
                )
            )
            self._record_refusal(mail, refusal.error, now)

    def _send_lanes(
        self,
        lanes: list[list[OutboundMail]],
        senders: Callable[[], Sender],
        now: datetime,
        should_stop: Callable[[], bool],
        report: SendReport,
    ) -> None:
        """Each lane on a connection of its own; the first in this thread. The first error
        (a store that cannot record a sent mail) stops every lane and is raised here."""
        halt = threading.Event()
        errors: list[BaseException] = []
        merge = threading.Lock()

        def run(lane: list[OutboundMail]) -> None:
            part = SendReport()
            try:
                self._send_lane(senders(), lane, now, lambda: halt.is_set() or should_stop(), part)
            except BaseException as exc:
                errors.append(exc)
                halt.set()
            with merge:
                report.add(part)

        threads: list[threading.Thread] = []
        try:
            for lane in lanes[1:]:
                thread = threading.Thread(target=run, args=(lane,), name="mailbot-smtp")
                thread.start()
                threads.append(thread)
            run(lanes[0])
        except BaseException:  # e.g. Ctrl-C: no lane may go on sending unseen
            halt.set()
            raise
        finally:
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]

    def _send_lane(
        self,
        sender: Sender,
        mails: list[OutboundMail],
        now: datetime,
        should_stop: Callable[[], bool],
        report: SendReport,
    ) -> None:
        try:
            sender.open()
        except SmtpError as exc:
            log.warning("outbox: %s; %d mail(s) wait for the next try", exc, len(mails))
            report.unreachable = True
            return
        try:
            for mail in mails:
                if should_stop() or not self._send_one(sender, mail, now, report):
                    break
        finally:
            sender.close()

    def _send_one(
        self, sender: Sender, mail: OutboundMail, now: datetime, report: SendReport
    ) -> bool:
        try:
            data = compose(mail, self.settings.organisation.name, self._load_raw)
            sender.send(mail.sender, mail.to, data)
        except SmtpError as exc:
            self._defer(mail, exc, now, report)
            return sender.connected
        self.store.mark_sent(mail.message_id, now)
        report.sent += 1
        log.info("sent %s to %s (%s)", mail.message_id, mail.to, mail.case_id or "no case")
        return True

    def _defer(self, mail: OutboundMail, exc: SmtpError, now: datetime, report: SendReport) -> None:
        if exc.permanent:
            log.error("outbox: %s refused for good: %s", mail.message_id, exc)
            self.store.hold_back(mail.message_id)  # never tried again, recorded by the caller
            report.refusals.append(Refusal(mail, exc))
            report.failed += 1
            return
        attempts = mail.attempts + 1
        delay = timedelta(seconds=RETRY.delay_for(attempts))
        log.warning("outbox: %s deferred (%s); next try in %s", mail.message_id, exc, delay)
        self.store.update_outbound(
            replace(mail, attempts=attempts, next_attempt_at=now + delay, last_error=str(exc))
        )
        report.deferred += 1

    def _record_refusal(self, mail: OutboundMail, exc: SmtpError, now: datetime) -> None:
        """A mail the server refused for good is recorded on its case; the staff are told,
        unless the refused mail was itself for staff (no loop of notices about notices)."""
        case = self.store.get_case(mail.case_id) if mail.case_id else None
        if case is None:
            return
        notice = MessageRecord(
            f"refused.{mail.message_id}",
            "in",
            self.settings.smtp.host,
            (mail.to,),
            f"SMTP refused: {mail.subject}",
            now,
            str(exc),
            kind="bounce",
        )
        internal = self.settings.staff_member(mail.to) or self.settings.committee_member(mail.to)
        event = DeliveryFailed(notice, mail.to)
        updated, effects = transition(case, event, now, self.actions.policy)
        changes = self.actions.case_changes(updated, [] if internal else effects, notice, now)
        self.store.apply(changes)

    def _load_raw(self, sha: str) -> bytes:
        return self.store.raw_path(sha).read_bytes()

    def next_outbox_attempt(self) -> datetime | None:
        pending = [m for m in self.store.outbox() if m.status == "pending"]
        times = [m.next_attempt_at for m in pending if m.next_attempt_at is not None]
        if len(times) < len(pending):
            return None if not pending else min([*times, pending[0].created_at])
        return min(times, default=None)
