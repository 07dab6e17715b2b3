"""Sending the outbox on a thread of its own while the inbox is still being taken in: SMTP
round trips and fsyncs wait on I/O, so they overlap with parsing the next batch."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from mailbot.outbound.sending import Outbox, Sender, SendReport

log = logging.getLogger("mailbot")


class BackgroundFlusher:
    """`kick()` after each committed batch; `finish()` sends what is left and returns the
    combined report. Both run in the intake thread, which also records on their cases the
    mails the thread saw refused: only that thread changes cases and commits."""

    def __init__(self, outbox: Outbox, sender_factory: Callable[[], Sender], now: datetime):
        self._outbox = outbox
        self._sender_factory = sender_factory
        self._now = now
        self._kicked = threading.Event()
        self._done = threading.Event()
        self.report = SendReport()
        self._reported = threading.Lock()
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="mailbot-outbox", daemon=True)

    def __enter__(self) -> BackgroundFlusher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._kicked.set()
        self._thread.join()

    def kick(self) -> None:
        self._record_refusals()
        self._kicked.set()

    def _record_refusals(self) -> None:
        with self._reported:
            refusals, self.report.refusals = self.report.refusals, []
        if refusals:
            self._outbox.record_refusals(refusals, self._now)

    def finish(self) -> SendReport:
        """Stop the thread, then send whatever is still due, including what sending itself
        queued (the staff told of a refused mail); the report of all of it."""
        self._done.set()
        self._kicked.set()
        self._thread.join()
        if self.error is not None:
            raise self.error
        self._record_refusals()
        while self._flush(beside_intake=False) and not self.report.unreachable:
            pass
        return self.report

    def _run(self) -> None:
        while not self._done.is_set():
            self._kicked.wait()
            self._kicked.clear()
            if self._done.is_set() or self.report.unreachable:
                return
            try:
                self._flush(beside_intake=True)
            except Exception as exc:  # reported by finish(), in the main thread; one mail's
                self.error = exc  # errors never come here: sending fails that mail alone
                return

    def _flush(self, *, beside_intake: bool) -> int:
        """One round of sending; returns how many mails it dealt with."""
        part = self._outbox.flush(self._sender_factory, self._now, beside_intake=beside_intake)
        with self._reported:
            self.report.add(part)
        return part.sent + part.deferred + part.failed
