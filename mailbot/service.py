"""The service layer: runs the inbound pipeline and carries out the core's effects."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from mailbot.actions import Actions, Handled
from mailbot.compose import compose
from mailbot.duties import TimedDuties
from mailbot.errors import MailbotError, MailParseError, SmtpError, StoreError
from mailbot.inbound.item import (
    InboundItem,
    PipelineContext,
    Quarantine,
)
from mailbot.inbound.pipeline import run_pipeline
from mailbot.model import (
    FetchedMessage,
    InboundMail,
    MessageRecord,
    OutboundMail,
    SendMail,
)
from mailbot.outgoing import build_mails
from mailbot.parse import parse_message
from mailbot.procedure import DeliveryFailed, Policy, transition
from mailbot.render import Renderer
from mailbot.settings import Settings
from mailbot.store import Changes, SeenRecord, Store
from mailbot.workdays import Calendar

log = logging.getLogger("mailbot")

PROCESSED = "processed"
QUARANTINE = "quarantine"


class Mailbox(Protocol):
    def pending_uids(self) -> list[int]: ...
    def sizes(self, uids: Sequence[int]) -> dict[int, int]: ...
    def fetch(self, uids: Sequence[int]) -> list[FetchedMessage]: ...
    def move(self, uids: Sequence[int], folder: str) -> None: ...


class Sender(Protocol):
    def open(self) -> None: ...
    def send(self, sender: str, recipient: str, data: bytes) -> None: ...
    def close(self) -> None: ...
    @property
    def connected(self) -> bool: ...


@dataclass
class PollReport:
    fetched: int = 0
    opened: int = 0
    added: int = 0
    commands: int = 0
    refused: int = 0
    discarded: int = 0
    quarantined: int = 0


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    unreachable: bool = False


class Service(TimedDuties):
    """The edges' work around the pure core: taking mail in (poll_once), sending it
    (flush_outbox); the timed duties (deadlines, digest, report, retention) come from
    `TimedDuties`."""

    def __init__(
        self, settings: Settings, store: Store, renderer: Renderer, calendar: Calendar
    ) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.calendar = calendar
        self.actions = Actions(Policy(settings, calendar), store, renderer)

    # --- inbound --------------------------------------------------------------------

    def poll_once(
        self,
        mailbox: Mailbox,
        now: datetime,
        should_stop: Callable[[], bool] = lambda: False,
        after_batch: Callable[[], None] = lambda: None,
    ) -> PollReport:
        """Handle everything in the inbox now, batch by batch: commit, then move. A stop
        request ends it after the current batch; `after_batch` runs after each one."""
        report = PollReport()
        uids = mailbox.pending_uids()
        size = self.settings.imap.batch_size
        for chunk in (uids[i : i + size] for i in range(0, len(uids), size)):
            if should_stop():
                break
            self._poll_batch(mailbox, chunk, now, report)
            after_batch()
        return report

    def _poll_batch(
        self, mailbox: Mailbox, uids: Sequence[int], now: datetime, report: PollReport
    ) -> None:
        limit = self.settings.security.max_message_bytes
        sizes = mailbox.sizes(uids)
        oversized = [uid for uid in uids if sizes.get(uid, 0) > limit]
        moves: dict[str, list[int]] = {PROCESSED: [], QUARANTINE: []}
        for uid in oversized:
            reason = f"message of {sizes[uid]} bytes exceeds max_message_bytes ({limit})"
            self.store.apply(self._quarantine(f"oversized:{uid}:{sizes[uid]}", None, reason, now))
            moves[QUARANTINE].append(uid)
        wanted = [uid for uid in uids if uid not in oversized]
        for message in mailbox.fetch(wanted) if wanted else []:
            handled = self.handle(message.raw, now, message.received_at)
            self.store.apply(handled.changes)
            moves[handled.folder].append(message.uid)
            report.fetched += 1
            setattr(report, handled.kind, getattr(report, handled.kind) + 1)
        # Only what the store has committed may leave the inbox.
        self.store.commit()
        if moves[PROCESSED]:
            mailbox.move(moves[PROCESSED], self.settings.imap.processed_folder)
        if moves[QUARANTINE]:
            mailbox.move(moves[QUARANTINE], self.settings.imap.quarantine_folder)
        report.quarantined += len(oversized)

    def handle(self, raw: bytes, now: datetime, received_at: datetime | None = None) -> Handled:
        """What one raw message changes, and the folder it goes to. Store failures propagate
        (the mail stays in the inbox); anything else quarantines this message only.
        `received_at` (the server's arrival time) counts as the moment of receipt, so a term
        starts when the mail arrived, not when mailbot got round to it."""
        sha = self.store.save_raw(raw)
        received = min(received_at, now) if received_at else now
        try:
            mail = parse_message(raw)
            item = InboundItem(mail=mail, raw=raw)
            outcome = run_pipeline(item, PipelineContext(self.settings, self.store, now))
            if isinstance(outcome, Quarantine):
                changes = self._quarantine(sha, mail, outcome.reason, now)
                return Handled(QUARANTINE, changes, "quarantined")
            return self.actions.carry_out(outcome, item, sha, received, now)
        except StoreError:
            raise
        except MailParseError as exc:  # expected for broken mail: the reason says enough
            log.warning("message %s cannot be parsed: %s", sha[:12], exc)
            changes = self._quarantine(sha, None, str(exc), now)
            return Handled(QUARANTINE, changes, "quarantined")
        except Exception as exc:  # one bad message must never block the others
            log.exception("message %s could not be handled", sha[:12])
            changes = self._quarantine(sha, None, _reason(exc), now)
            return Handled(QUARANTINE, changes, "quarantined")

    def _quarantine(
        self, key: str, mail: InboundMail | None, reason: str, now: datetime
    ) -> Changes:
        log.warning("quarantined message %s: %s", key[:40], reason)
        alert = {
            "title": "message moved to quarantine",
            "detail": f"A message could not be handled and was moved to the folder "
            f"{self.settings.imap.quarantine_folder!r}.\nReason: {reason}\n"
            f"Sender: {mail.from_addr if mail else 'unknown'}\nStored as: {key}",
            "action": "Look at the message in the quarantine folder; move it back to the "
            "inbox to have it handled again once the cause is fixed.",
        }
        effect = SendMail("operator_alert", to="operator", context={"alert": alert})
        trigger = MessageRecord(f"quarantine-{key}", "in", "", (), "", now, "")
        outbox = build_mails(effect, None, trigger, self.settings, self.renderer, now)
        seen = SeenRecord(
            key=f"quarantine:{key}",
            message_id=mail.message_id if mail else "",
            sha256=key,
            outcome="quarantined",
            at=now,
            reason=reason,
        )
        return Changes(outbox=outbox, seen=[seen])

    # --- outbound -------------------------------------------------------------------

    def flush_outbox(
        self, sender: Sender, now: datetime, should_stop: Callable[[], bool] = lambda: False
    ) -> SendReport:
        """Send what is due; a mail counts as sent only once the server accepted it."""
        report = SendReport()
        pending = self.store.pending_outbox(now)
        if not pending:
            return report
        # Prove the store writable before anything goes out: a mail sent but not recorded
        # would be sent again.
        self.store.commit()
        self.store.probe_writable()
        try:
            sender.open()
        except SmtpError as exc:
            log.warning("outbox: %s; %d mail(s) wait for the next try", exc, len(pending))
            report.unreachable = True
            return report
        try:
            for mail in pending:
                if should_stop() or not self._send_one(sender, mail, now, report):
                    break
        finally:
            sender.close()
            self.store.commit()
        return report

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


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MailbotError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
