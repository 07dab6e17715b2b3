"""The daemon's timed duties: deadline notices, the morning digest, the yearly analysis
and retention — each computed from the case records, so running one twice does nothing."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from mailbot.config.settings import Settings
from mailbot.daemon.actions import Actions
from mailbot.daemon.burst import combined_notices, next_close
from mailbot.errors import ImapError
from mailbot.model import Case, Changes, OutboundMail, SendMail
from mailbot.outbound.build import MailBuilder
from mailbot.procedure.deadlines import due_notices, next_moment
from mailbot.procedure.digest import people as digest_people
from mailbot.procedure.digest import rows as digest_rows
from mailbot.procedure.digest import waiting as digest_waiting
from mailbot.procedure.retention import (
    KeptCopy,
    attachment_names,
    inbound_copies,
    purgeable,
    raw_hashes,
    stats_row,
)
from mailbot.procedure.workdays import Calendar
from mailbot.store.store import Store

log = logging.getLogger("mailbot")

DIGEST_WORKING_DAYS = 5


class Purgeable(Protocol):
    def delete_copies(
        self, folder: str, copies: Iterable[KeptCopy], labels: bool = False
    ) -> int: ...


class Duties:
    """What falls due with time rather than with mail; `actions` makes the yearly report's
    mail."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        mails: MailBuilder,
        calendar: Calendar,
        actions: Actions,
    ) -> None:
        self.settings = settings
        self.store = store
        self.mails = mails
        self.calendar = calendar
        self.actions = actions

    def run_due(
        self, now: datetime, mailbox: Purgeable | None, send: Callable[[datetime], None]
    ) -> None:
        """Everything due at `now`, in this order: deadline notices, the digest, the yearly
        report, the daily purge, then `send` (the runner's: it keeps the SMTP backoff), then
        the day's backup and archiving. With no mailbox (IMAP is down) only the deadline
        notices and the digest, then `send`: the rest waits for a round with the mailbox."""
        self.tick(now)
        self.digest(now)
        if mailbox is not None:
            self.yearly_report(now)
            self.daily_purge(now, mailbox)
        send(now)
        if mailbox is not None:
            self.store.backup(now)
            self.store.archive(now)

    def tick(self, now: datetime) -> int:
        """Queue every reminder and escalation due at `now`; returns how many mails."""
        queued = 0
        for case in self.store.hot_cases():
            updated, effects = due_notices(case, now, self.calendar)
            if updated == case:
                continue
            changes = self.mails.case_changes(updated, effects, None, now)
            self.store.apply(changes)
            queued += len(changes.outbox)
            log.info("%s: %d deadline notice(s) queued", case.id, len(changes.outbox))
        combined = combined_notices(self.store.hot_cases(), self.settings, self.mails, now)
        if combined.cases:
            self.store.apply(combined)
            queued += len(combined.outbox)
            log.info("%d held case(s) told to staff in one notice each", len(combined.cases))
        self.store.commit()
        return queued

    def purge(self, now: datetime, mailbox: Purgeable | None, dry_run: bool = False) -> list[str]:
        """Delete every case past retention: record, kept mail, attachments, IMAP copies; an
        anonymous statistics row stays. Returns the purged case ids."""
        cases = purgeable(self.store.purge_candidates(now), now)
        if dry_run or not cases:
            return [c.id for c in cases]
        kept_elsewhere = self._files_in_use(exclude={c.id for c in cases})
        if mailbox is not None:
            copies = [
                c for case in cases for c in self._copies(case) if c.sha256 not in kept_elsewhere
            ]
            # Verified gone before the cases go: a failure leaves them for the next purge.
            # Gmail's folders are labels: its mail is deleted through the Trash.
            google = self.settings.oauth2 is not None and self.settings.oauth2.provider == "google"
            folder = self.settings.imap.processed_folder
            deleted = mailbox.delete_copies(folder, copies, labels=google)
            log.info("purge: %d IMAP copies of %d mail(s) deleted", deleted, len(copies))
        self.store.apply(
            Changes(stats=[stats_row(c) for c in cases], removed=[c.id for c in cases])
        )
        self.store.commit()
        hashes = [h for c in cases for h in raw_hashes(c) if h not in kept_elsewhere]
        names = [n for c in cases for n in attachment_names(c) if n not in kept_elsewhere]
        removed = self.store.delete_files(hashes, names)
        for case in cases:
            log.info("purged %s (%s, closed %s)", case.id, case.track, case.closed_at)
        log.info("purge: %d case(s), %d file(s) removed", len(cases), removed)
        return [c.id for c in cases]

    def daily_purge(self, now: datetime, mailbox: Purgeable | None) -> list[str]:
        """The daemon's retention run, once a day."""
        today = now.astimezone(self.calendar.zone).date().isoformat()
        if self.store.meta("purge") == today:
            return []
        outbox = []
        try:
            purged = self.purge(now, mailbox)
        except ImapError as exc:  # the cases stay; tomorrow's run tries again
            log.error("purge failed, the cases stay until tomorrow's run: %s", exc)
            purged, outbox = [], self._purge_alert(str(exc), now)
        self.store.apply(Changes(outbox=outbox, meta={"purge": today}))
        self.store.commit()
        return purged

    def _purge_alert(self, reason: str, now: datetime) -> list[OutboundMail]:
        alert = {
            "title": "retention purge failed",
            "detail": "Cases past retention could not be purged: not all their mail on the "
            f"IMAP server (folder {self.settings.imap.processed_folder!r}) was removed.\n"
            f"Reason: {reason}",
            "action": "The purge is tried again tomorrow; run `mailbot purge` once the cause "
            "is fixed to purge them now.",
        }
        effect = SendMail("operator_alert", to="operator", context={"alert": alert})
        return self.mails.build(effect, None, None, now)

    def _copies(self, case: Case) -> list[KeptCopy]:
        """The case's mails as they sit in the processed folder: the kept bytes' sizes."""
        sizes = {}
        for sha in raw_hashes(case):
            with contextlib.suppress(FileNotFoundError):
                sizes[sha] = self.store.raw_path(sha).stat().st_size
        return inbound_copies(case, sizes)

    def _files_in_use(self, exclude: set[str]) -> set[str]:
        """Content-addressed files another case still refers to stay."""
        others = [c for c in self.store.cases() if c.id not in exclude]
        return {x for c in others for x in (*raw_hashes(c), *attachment_names(c))}

    def digest(self, now: datetime) -> int:
        """Each working morning, once: every contact person, co-owner and the chair gets the
        open cases and what falls due within 5 working days. Returns how many mails."""
        today = now.astimezone(self.calendar.zone).date()
        if (
            not self.calendar.is_business_time(now)
            or self.store.meta("digest") == today.isoformat()
        ):
            return 0
        horizon_day = self.calendar.add_working_days(today, DIGEST_WORKING_DAYS)
        horizon = self.calendar.end_of_day(horizon_day)
        cases = self.store.hot_cases()
        held = digest_waiting(self.store.waiting_replies())
        outbox = []
        for email, view in digest_people(self.settings):
            found = digest_rows(cases, email, view, horizon, now)
            if found:
                context = {"rows": found, "today": today, "horizon": horizon_day, "waiting": held}
                effect = SendMail("digest", email, context=context)
                outbox += self.mails.build(effect, None, None, now)
        self.store.apply(Changes(outbox=outbox, meta={"digest": today.isoformat()}))
        self.store.commit()
        return len(outbox)

    def yearly_report(self, now: datetime) -> int:
        """In the second week of January, once: last year's analysis to the co-owners and the
        committee chair (DESIGN section 1, step 6)."""
        local = now.astimezone(self.calendar.zone)
        year = local.year - 1
        key = f"report:{year}"
        if not (local.month == 1 and 8 <= local.day <= 14) or self.store.meta(key):
            return 0
        if not self.calendar.is_business_time(now):
            return 0
        people = [s.email for s in self.settings.co_owners]
        if self.settings.chair is not None:
            people.append(self.settings.chair.email)
        outbox = []
        for email in dict.fromkeys(people):
            effect = self.actions.report_mail(year, email, None, now)
            outbox += self.mails.build(effect, None, None, now)
        self.store.apply(Changes(outbox=outbox, meta={key: now.isoformat()}))
        self.store.commit()
        log.info("yearly analysis %d mailed to %d people", year, len(outbox))
        return len(outbox)

    def next_daily(self, now: datetime) -> datetime:
        """When the next digest is due: now (in business time) unless today's went out."""
        today = now.astimezone(self.calendar.zone).date()
        if self.store.meta("digest") != today.isoformat():
            return self.calendar.next_business_moment(now)
        tomorrow = self.calendar.add_working_days(today, 1)
        return self.calendar.next_business_moment(self.calendar.start_of_day(tomorrow))

    def next_deadline(self, now: datetime) -> datetime | None:
        """The next moment a reminder, an escalation or a combined new-case notice is due."""
        cases = self.store.hot_cases()
        due = [m for m in (next_moment(cases, now, self.calendar), next_close(cases)) if m]
        return min(due, default=None)
