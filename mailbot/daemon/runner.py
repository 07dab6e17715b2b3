"""The daemon loop: poll (IDLE-woken), send the outbox, reconnect with backoff; never exits
on a server failure, only when told to stop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from time import monotonic

from mailbot.backoff import Backoff
from mailbot.clock import Clock
from mailbot.config.settings import Settings
from mailbot.daemon.scheduler import Waker
from mailbot.daemon.sdnotify import Notifier
from mailbot.daemon.service import Service
from mailbot.errors import ImapSessionExpired, MailbotError
from mailbot.inbound.imap import ImapMailbox
from mailbot.outbound.sending import Sender

log = logging.getLogger("mailbot")


class Daemon:
    def __init__(
        self,
        settings: Settings,
        service: Service,
        clock: Clock,
        mailbox_factory: Callable[[], ImapMailbox],
        sender_factory: Callable[[], Sender],
        stop: threading.Event | None = None,
        imap_backoff: Backoff | None = None,
        waker: Waker | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.settings = settings
        self.intake = service.intake
        self.outbox = service.outbox
        self.duties = service.duties
        self.clock = clock
        self.mailbox_factory = mailbox_factory
        self.sender_factory = sender_factory
        self.stop = stop or threading.Event()
        self._imap_backoff = imap_backoff or Backoff(initial=1.0, maximum=300.0)
        self._smtp_backoff = Backoff(initial=5.0, maximum=600.0)
        self._smtp_retry_at: datetime | None = None
        self.waker = waker or Waker()
        self.notifier = notifier or Notifier()
        self._last_ping = 0.0
        self._expiries = 0  # sessions ended for an expired token since the last whole round

    def run(self) -> None:
        log.info("mailbot running for %s", self.settings.organisation.name)
        self.waker.start()
        # Ready once the store is ours and the loop runs; an IMAP outage is the loop's to ride out.
        self.notifier.ready(f"watching {self.settings.imap.folder}")
        try:
            while not self.stop.is_set():
                try:
                    self._session()
                except ImapSessionExpired as exc:
                    # Routine (Exchange Online, about hourly): no outage, so no backoff; the
                    # next login takes a fresh token, or the refused one is replaced. Ended
                    # again before a single round, it is no routine: wait as after a failure.
                    self._expiries += 1
                    if self._expiries > 1:
                        self._recover(str(exc))
                    else:
                        log.info("%s; reconnecting with a fresh token", exc)
                except MailbotError as exc:
                    self._recover(str(exc))
                except Exception:
                    # A bug must not take the daemon down: under systemd that is a restart loop
                    # into the same bug, with every deadline and reply stopped meanwhile.
                    log.exception("unexpected error in the daemon's round")
                    self._recover("unexpected error")
        finally:
            self.notifier.stopping()
            self.waker.shutdown()
        log.info("mailbot stopped")

    def _recover(self, reason: str) -> None:
        delay = self._imap_backoff.next_delay()
        log.error("%s; retrying in %.1f s", reason, delay)
        self._without_imap()
        self._pause(delay)

    def _without_imap(self) -> None:
        """Deadlines do not wait for the mailbox: remind, escalate and send while IMAP is down."""
        now = self.clock.now()
        try:
            self.duties.run_due(now, None, self.flush)
        except MailbotError as exc:
            log.error("deadline round without IMAP failed: %s", exc)
        except Exception:
            log.exception("deadline round without IMAP failed")

    def _pause(self, seconds: float) -> None:
        """Wait for a reconnect while still telling the watchdog that mailbot is alive."""
        deadline = monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - monotonic()) > 0:
            self.stop.wait(min(left, 1.0))
            self._ping()

    def _stop_requested(self) -> bool:
        """Asked before each mail is sent: a long outbox keeps the watchdog fed too."""
        self._ping()
        return self.stop.is_set()

    def _ping(self) -> None:
        interval = self.notifier.watchdog_seconds
        if interval is not None and monotonic() - self._last_ping >= interval:
            self.notifier.watchdog()
            self._last_ping = monotonic()

    def _session(self) -> None:
        mailbox = self.mailbox_factory()
        mailbox.connect()
        try:
            log.info("connected to IMAP %s", self.settings.imap.host)
            self._imap_backoff.reset()
            while not self.stop.is_set():
                now = self.cycle(mailbox)
                self._expiries = 0
                self._ping()
                self.waker.wake_at(self._next_wake(now), now)
                mailbox.wait_for_mail(self._wait_seconds(), self._interrupted)
                self.waker.consume()
        finally:
            mailbox.close()

    def cycle(self, mailbox: ImapMailbox) -> datetime:
        """One round: take in what arrived, then what is due (sending included). The clock is
        read once: every step of the round acts at the same moment, which it returns."""
        now = self.clock.now()
        self.intake.poll_once(mailbox, now, self.stop.is_set, alive=self._ping)
        self.duties.run_due(now, mailbox, self.flush)
        return now

    def _interrupted(self) -> bool:
        self._ping()
        return self.stop.is_set() or self.waker.event.is_set()

    def flush(self, now: datetime) -> None:
        if self._smtp_retry_at is not None and now < self._smtp_retry_at:
            return
        report = self.outbox.flush(self.sender_factory, now, self._stop_requested)
        if report.unreachable:
            delay = self._smtp_backoff.next_delay()
            self._smtp_retry_at = now + timedelta(seconds=delay)
        else:
            self._smtp_backoff.reset()
            self._smtp_retry_at = None

    def _wait_seconds(self) -> float:
        """The poll interval; the waker interrupts earlier when something falls due."""
        return float(self.settings.imap.poll_seconds)

    def _next_wake(self, now: datetime) -> datetime | None:
        """The next deadline notice or outbox retry, never sooner than the SMTP backoff."""
        moments = [self.duties.next_deadline(now), self.duties.next_daily(now)]
        retry = self.outbox.next_attempt()
        if retry is not None:
            moments.append(max(retry, self._smtp_retry_at) if self._smtp_retry_at else retry)
        return min((m for m in moments if m is not None), default=None)
