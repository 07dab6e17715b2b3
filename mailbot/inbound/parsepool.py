"""Parsing the next batch of mail in a worker process while the intake thread handles this one.

Parsing is the largest part of taking a mail in, and pure (bytes in, `InboundMail` out), so in a
flood it runs on another core. The worker is started with "spawn": it inherits no lock, socket
or thread of the daemon, and dies with it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from mailbot.errors import MailParseError
from mailbot.inbound.parse import parse_message
from mailbot.model import InboundMail

log = logging.getLogger("mailbot")

PARENT_CHECK_SECONDS = 0.5
Parsed = InboundMail | Exception  # the mail, or why it could not be read

__all__ = ["ParsePool", "Parsed", "parse_batch"]


def parse_batch(raws: Sequence[bytes]) -> list[Parsed]:
    """Each mail parsed, or the exception its parsing raised (as the intake would see it)."""
    results: list[Parsed] = []
    for raw in raws:
        try:
            results.append(parse_message(raw))
        except MailParseError as exc:
            results.append(exc)
        except Exception as exc:  # a bug: this mail is quarantined with the reason
            results.append(exc if _picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
    return results


def _picklable(exc: Exception) -> bool:
    try:
        pickle.dumps(exc)
    except Exception:
        return False
    return True


def _leave_with_parent(parent: int) -> None:
    """In the worker: exit once the daemon is gone (killed with -9 it cannot say so, and
    the worker's own copy of its queue's pipe would keep it waiting for ever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    # A stop (Ctrl-C, systemctl stop) is the daemon's to handle: it finishes its batch, then
    # closes the pool, and the worker ends with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class ParsePool:
    """One worker process. `submit` returns a future (None once the worker is gone); `result`
    falls back to parsing here too, so a dead worker costs speed, never mail."""

    def __init__(self) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_leave_with_parent,
            initargs=(os.getpid(),),
        )
        self._warned = False
        self.worker_batches = 0  # batches whose parse came back from the worker

    @classmethod
    def start(cls) -> ParsePool | None:
        """A pool, or None where this system allows no worker (e.g. no writable /dev/shm for
        its queue): then mail is parsed in the intake thread, only slower."""
        try:
            return cls()
        except (OSError, NotImplementedError, ImportError) as exc:
            log.warning("no parse worker (%s): parsing in the intake thread", exc)
            return None

    def submit(self, raws: Sequence[bytes]) -> Future[list[Parsed]] | None:
        """The worker's parse of `raws` to come; None when there is no worker any more (the
        intake thread then parses them itself)."""
        try:
            return self._executor.submit(parse_batch, list(raws))
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            self._lost(exc)
            return None

    def result(self, future: Future[list[Parsed]] | None, raws: Sequence[bytes]) -> list[Parsed]:
        """What `submit` promised for `raws`; parsed here when the worker could not."""
        if future is None:
            return parse_batch(raws)
        try:
            results = future.result()
        except Exception as exc:  # a lost worker, or a result that did not come back whole
            self._lost(exc)
            return parse_batch(raws)
        self.worker_batches += 1
        return results

    def _lost(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            log.warning("parse worker gone (%s): parsing in the intake thread", exc or "closed")

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
