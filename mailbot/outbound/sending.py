"""Sending the outbox: committed mail only, over one or more SMTP sessions, each mail
recorded as sent the moment the server accepted it; refusals recorded on their case.

No one mail stops the others: whatever goes wrong with one mail (the server refuses it, an
address it cannot take, an error while writing or handing it over) fails that mail, with the
reason, and the rest goes out. Only an unreachable server (retried with backoff) or a store
that cannot record what was sent stops a round.

Submissions are paced to the host's rate across all sessions (pacing.py), and a host that
says its quota is spent holds every session back: that mail is tried again later, never
failed. A round lasts at most about ROUND_SECONDS while paced, so the daemon takes in mail
between rounds of a long outbox."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from mailbot.backoff import Backoff
from mailbot.config.settings import Settings
from mailbot.errors import AddressNotSupported, SmtpError, SmtpQuotaError, StoreError
from mailbot.mail.compose import compose
from mailbot.model import Changes, MessageRecord, OutboundMail, SendMail
from mailbot.outbound.build import MailBuilder
from mailbot.outbound.lanes import split_lanes
from mailbot.outbound.pacing import Pacer
from mailbot.procedure import DeliveryFailed, Policy, transition
from mailbot.store.store import Store

log = logging.getLogger("mailbot")

RETRY = Backoff(initial=60, maximum=3600)  # a deferred mail: 1 min, 2, 4, ... at most 1 h
ROUND_SECONDS = 30.0  # a paced round waits for turns this long at most; the rest, next round
# What `_send_one` says the lane does next: the next mail, or this one again.
NEXT, AGAIN = "next", "again"

__all__ = ["Outbox", "Refusal", "SendReport", "Sender"]


class Sender(Protocol):
    def open(self) -> None: ...
    def send(self, sender: str, recipient: str, data: bytes) -> None: ...
    def close(self) -> None: ...
    @property
    def connected(self) -> bool: ...


REFUSED = "refused"  # the server refused it for good (5xx)
UNSUPPORTED = "unsupported"  # an internationalised address the server cannot take
BROKEN = "broken"  # it could not be written or handed over: an error of this mail
# How each failure stands in the case file.
_HEADLINE = {REFUSED: "SMTP refused", UNSUPPORTED: "Address not supported", BROKEN: "Not sent"}


@dataclass(frozen=True)
class Refusal:
    """A mail that failed for good, still to be recorded on its case."""

    mail: OutboundMail
    reason: str
    kind: str = REFUSED


@dataclass(frozen=True)
class _Round:
    """When a round acts (`now`) and, on the pacer's clock, when it began and must end."""

    now: datetime
    start: float
    deadline: float


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


class Outbox:
    """The store's outbox sent over SMTP; a mail that fails for good is recorded on its case
    as the procedure (`policy`) says, its notices made by `mails`."""

    def __init__(
        self, settings: Settings, store: Store, mails: MailBuilder, policy: Policy
    ) -> None:
        self.settings = settings
        self.store = store
        self.mails = mails
        self.policy = policy
        self._pacer: Pacer | None = None
        self._paced_until: datetime | None = None  # a paced round ended: the next turn comes then

    @property
    def pacer(self) -> Pacer:
        """The one pacer of every SMTP session of this process; made from the settings
        when first needed, unless one was set (a test's, on a simulated clock)."""
        if self._pacer is None:
            self._pacer = Pacer(self.settings.smtp.max_messages_per_minute)
        return self._pacer

    @pacer.setter
    def pacer(self, pacer: Pacer) -> None:
        self._pacer = pacer

    def flush(
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
        start = self.pacer.now()
        try:
            self._send_lanes(
                split_lanes(pending, self.settings.smtp.connections),
                senders,
                _Round(now, start, start + ROUND_SECONDS),
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
        """Mark failed mail failed and record each failure on its case (staff told), in the
        caller's thread: the one that changes cases and commits. The operator hears of the
        failures that are not a server's plain refusal, all of them in one alert."""
        alert = [r for r in refusals if r.kind != REFUSED]
        for refusal in refusals:
            mail = refusal.mail
            self.store.update_outbound(
                replace(
                    mail, status="failed", attempts=mail.attempts + 1, last_error=refusal.reason
                )
            )
            try:
                self._record_refusal(refusal, now)
            except StoreError:
                raise
            except Exception as exc:  # the mail stays failed; the operator hears of both
                log.exception("outbox: the failure of %s is not on its case", mail.message_id)
                note = f"{refusal.reason}; not recorded on the case: {type(exc).__name__}: {exc}"
                alert = [r for r in alert if r is not refusal] + [replace(refusal, reason=note)]
        try:
            self._alert_operator(alert, now)
        except StoreError:
            raise
        except Exception:  # the failures are recorded and logged; the alert is extra
            log.exception("outbox: the operator alert about %d failed mail(s) failed", len(alert))

    def _send_lanes(
        self,
        lanes: list[list[OutboundMail]],
        senders: Callable[[], Sender],
        round_: _Round,
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
                self._send_lane(
                    senders(), lane, round_, lambda: halt.is_set() or should_stop(), part
                )
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
        round_: _Round,
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
            waiting = list(reversed(mails))  # the next mail last
            while waiting and not should_stop():
                with self.pacer.turn(round_.deadline, should_stop) as later:
                    if later is not None:
                        self._turn_comes(round_, later, len(waiting))
                        break
                    step = self._send_one(sender, waiting[-1], round_.now, report)
                # AGAIN: the host's quota was spent; the same mail once the pacer's hold ends,
                # so what one person receives keeps its order.
                if step == NEXT:
                    waiting.pop()
                if not sender.connected:  # the rest waits for the next round
                    if step == AGAIN:
                        self._turn_comes(round_, self.pacer.next_at(), len(waiting))
                    break
        finally:
            sender.close()

    def _turn_comes(self, round_: _Round, later: float, left: int) -> None:
        """The lane's next turn comes after this round: the rest waits, and the daemon
        wakes for it (`next_attempt`)."""
        at = round_.now + timedelta(seconds=later - round_.start)
        self._paced_until = at
        log.info("outbox: %d mail(s) wait for their turn at %s (paced)", left, at)

    def _send_one(
        self, sender: Sender, mail: OutboundMail, now: datetime, report: SendReport
    ) -> str:
        """Send one mail; whether the lane goes on with the next one or this one again."""
        try:
            data = compose(mail, self.settings.organisation.name, self._load_raw)
            sender.send(mail.sender, mail.to, data)
        except AddressNotSupported as exc:
            self._fail(mail, str(exc), UNSUPPORTED, report)
            return NEXT
        except SmtpQuotaError as exc:
            self._quota_spent(mail, exc)
            return AGAIN
        except SmtpError as exc:
            self._defer(mail, exc, now, report)
            return NEXT
        except StoreError:
            raise  # the store, not this mail: nothing can be recorded, so nothing goes on
        except Exception as exc:  # this mail cannot be written or handed over; the rest can
            log.exception("outbox: %s could not be sent", mail.message_id)
            self._fail(mail, f"could not be sent: {type(exc).__name__}: {exc}", BROKEN, report)
            return NEXT
        self.store.mark_sent(mail.message_id, now)
        report.sent += 1
        log.info("sent %s to %s (%s)", mail.message_id, mail.to, mail.case_id or "no case")
        return NEXT

    def _quota_spent(self, mail: OutboundMail, exc: SmtpQuotaError) -> None:
        """The host takes no more for now: every session waits (the pacer's hold, longer
        each time in a row) and this mail is tried again then. Not a failure, and not the
        mail's attempt: it says nothing about this mail."""
        delay = self.pacer.hold()
        log.warning("outbox: %s; every session waits %.0f s before the next try", exc, delay)
        self.store.update_outbound(replace(mail, last_error=str(exc)))

    def _fail(self, mail: OutboundMail, reason: str, kind: str, report: SendReport) -> None:
        log.error("outbox: %s to %s failed for good: %s", mail.message_id, mail.to, reason)
        self.store.hold_back(mail.message_id)  # never tried again, recorded by the caller
        report.refusals.append(Refusal(mail, reason, kind))
        report.failed += 1

    def _defer(self, mail: OutboundMail, exc: SmtpError, now: datetime, report: SendReport) -> None:
        if exc.permanent:
            self._fail(mail, str(exc), REFUSED, report)
            return
        attempts = mail.attempts + 1
        delay = timedelta(seconds=RETRY.delay_for(attempts))
        log.warning("outbox: %s deferred (%s); next try in %s", mail.message_id, exc, delay)
        self.store.update_outbound(
            replace(mail, attempts=attempts, next_attempt_at=now + delay, last_error=str(exc))
        )
        report.deferred += 1

    def _record_refusal(self, refusal: Refusal, now: datetime) -> None:
        """A mail that failed for good is recorded on its case; the staff are told, unless
        the failed mail was itself for staff (no loop of notices about notices)."""
        mail = refusal.mail
        case = self.store.get_case(mail.case_id) if mail.case_id else None
        if case is None:
            return
        notice = MessageRecord(
            f"refused.{mail.message_id}",
            "in",
            self.settings.smtp.host,
            (mail.to,),
            f"{_HEADLINE[refusal.kind]}: {mail.subject}",
            now,
            refusal.reason,
            kind="bounce",
        )
        internal = self.settings.staff_member(mail.to) or self.settings.committee_member(mail.to)
        event = DeliveryFailed(notice, mail.to)
        updated, effects = transition(case, event, now, self.policy)
        if refusal.kind == UNSUPPORTED:  # the procedure says who is told; this, what is wrong:
            effects = [  # no address to check, the person must be reached another way
                replace(e, template="address_unsupported") if e.template == "delivery_failed" else e
                for e in effects
            ]
        changes = self.mails.case_changes(updated, [] if internal else effects, notice, now)
        self.store.apply(changes)

    def _alert_operator(self, failed: list[Refusal], now: datetime) -> None:
        """One alert for the mails that failed other than by a server's refusal: a mailbot
        or mail-server matter. Never about a failed alert itself (no loop)."""
        operator = (self.settings.addresses.operator or "").lower()
        failed = [r for r in failed if r.mail.to.lower() != operator]
        if not failed or not operator:
            return
        lines = "\n".join(
            f"- {r.mail.message_id} to {r.mail.to} ({r.mail.case_id or 'no case'}): {r.reason}"
            for r in failed
        )
        alert = {
            "title": f"{len(failed)} outgoing mail(s) could not be sent",
            "detail": "These mails were marked failed and will not be tried again; the other "
            "mail went out. Each case concerned records the failure, and its staff were told "
            f"unless the mail was for staff.\n{lines}",
            "action": "An internationalised address needs an SMTP server that offers SMTPUTF8; "
            "otherwise reach the person another way. Any other reason points to a fault in "
            "mailbot: keep this alert and the log for the report.",
        }
        effect = SendMail("operator_alert", to="operator", context={"alert": alert})
        trigger = MessageRecord(
            f"outbox-failed-{failed[0].mail.message_id}", "in", "", (), "", now, ""
        )
        self.store.apply(Changes(outbox=self.mails.build(effect, None, trigger, now)))

    def _load_raw(self, sha: str) -> bytes:
        return self.store.raw_path(sha).read_bytes()

    def next_attempt(self) -> datetime | None:
        """When the outbox next has mail to send: not before the pacer's next turn."""
        due = self._next_due()
        paced = self._paced_until
        return max(due, paced) if due is not None and paced is not None else due

    def _next_due(self) -> datetime | None:
        pending = [m for m in self.store.outbox() if m.status == "pending"]
        times = [m.next_attempt_at for m in pending if m.next_attempt_at is not None]
        if len(times) < len(pending):
            return None if not pending else min([*times, pending[0].created_at])
        return min(times, default=None)
