"""Waking the daemon at the next moment something falls due: the only module that imports
apscheduler. Jobs live in memory and are derived from the case records after every change —
no job store, so nothing can disagree with the cases."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from mailbot.clock import SYSTEM_CLOCK, Clock


class Waker:
    """`event` is set when the latest moment given to `wake_at` has come.

    Moments are given on the daemon's clock (which `run --at` and tests may start anywhere);
    APScheduler itself runs on `timebase`, the system clock it reads, so each wake-up is
    scheduled after the same interval on that clock."""

    def __init__(self, timebase: Clock = SYSTEM_CLOCK) -> None:
        self.event = threading.Event()
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._when: datetime | None = None
        self._generation = 0
        self._ids = itertools.count()
        self._timebase = timebase
        self._lock = threading.Lock()

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            # Removing the jobs first waits for a firing job's own clean-up (it holds the job
            # store lock), so the shutdown cannot race it.
            self._scheduler.remove_all_jobs()
            self._scheduler.shutdown(wait=False)

    def wake_at(self, when: datetime | None, now: datetime) -> None:
        """Make `when` the one pending wake-up; a moment already past fires at once.

        `when` and `now` come from the daemon's clock; the job runs after the same interval on
        the timebase. Earlier jobs are not removed (removing
        a job while it fires races with the scheduler's own clean-up); they carry an older
        generation and fire harmlessly."""
        with self._lock:
            if when == self._when:
                return
            self._when = when
            self._generation += 1
            generation = self._generation
        if when is not None:
            run_at = self._timebase.now() + max(when - now, timedelta(0))
            self._scheduler.add_job(
                self._fire,
                DateTrigger(run_date=run_at),
                args=(generation,),
                id=f"wake-{next(self._ids)}",
                misfire_grace_time=None,  # a moment missed while busy still fires
            )

    def _fire(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self.event.set()

    def consume(self) -> bool:
        """Whether the wake-up fired since the last call; resets it."""
        with self._lock:
            fired = self.event.is_set()
            self.event.clear()
            if fired:
                self._when = None
            return fired
