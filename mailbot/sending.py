"""Sending the outbox: committed mail only, over one or more SMTP sessions, each mail
recorded as sent the moment the server accepted it; refusals recorded on their case."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

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

__all__ = ["OutboxSending", "SendReport", "Sender"]


class Sender(Protocol):
    def open(self) -> None: ...
    def send(self, sender: str, recipient: str, data: bytes) -> None: ...
    def close(self) -> None: ...
    @property
    def connected(self) -> bool: ...


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    unreachable: bool = False

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.unreachable = self.unreachable or other.unreachable


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
        commit_first: bool = True,
    ) -> SendReport:
        """Send what is due over up to `smtp.connections` sessions (from `senders`); a mail
        counts as sent only once the server accepted it. Only committed mail goes out:
        `commit_first=False` leaves what was queued since the last commit for a later round
        (a sender beside intake must not commit half a batch)."""
        report = SendReport()
        if commit_first:
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
        finally:
            if commit_first:  # else the sent journal and the next commit keep the results
                self.store.commit()
        return report

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

        threads = [
            threading.Thread(target=run, args=(lane,), name="mailbot-smtp") for lane in lanes[1:]
        ]
        for thread in threads:
            thread.start()
        run(lanes[0])
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
        attempts = mail.attempts + 1
        if exc.permanent:
            log.error("outbox: %s refused for good: %s", mail.message_id, exc)
            self.store.update_outbound(
                replace(mail, status="failed", attempts=attempts, last_error=str(exc))
            )
            self._record_refusal(mail, exc, now)
            report.failed += 1
            return
        delay = timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))
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
