"""Taking mail in: the inbox batch by batch, each mail through the inbound pipeline and
carried out, committed before it leaves the inbox; what cannot be handled is quarantined."""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from mailbot.config.settings import Settings
from mailbot.daemon.actions import Actions, Handled
from mailbot.errors import MailbotError, MailParseError, StoreError
from mailbot.inbound.batches import batch_bytes, plan_batches
from mailbot.inbound.item import (
    InboundItem,
    PipelineContext,
    Quarantine,
)
from mailbot.inbound.parse import parse_message
from mailbot.inbound.parsepool import Parsed, ParsePool
from mailbot.inbound.pipeline import run_pipeline
from mailbot.model import (
    Changes,
    FetchedMessage,
    InboundMail,
    MessageRecord,
    SeenRecord,
    SendMail,
)
from mailbot.outbound.build import MailBuilder
from mailbot.store.store import Store

log = logging.getLogger("mailbot")

PROCESSED = "processed"
QUARANTINE = "quarantine"


class Mailbox(Protocol):
    def pending_uids(self) -> list[int]: ...
    def sizes(self, uids: Sequence[int]) -> dict[int, int]: ...
    def fetch(self, uids: Sequence[int]) -> list[FetchedMessage]: ...
    def move(self, uids: Sequence[int], folder: str) -> None: ...


@dataclass
class PollReport:
    fetched: int = 0
    opened: int = 0
    added: int = 0
    commands: int = 0
    refused: int = 0
    discarded: int = 0
    quarantined: int = 0

    def count(self, kind: str) -> None:
        """One fetched mail more, handled as `kind` (a `Handled.kind`)."""
        self.fetched += 1
        match kind:
            case "opened":
                self.opened += 1
            case "added":
                self.added += 1
            case "commands":
                self.commands += 1
            case "refused":
                self.refused += 1
            case "discarded":
                self.discarded += 1
            case "quarantined":
                self.quarantined += 1
            case _:
                raise AssertionError(f"no count for mail handled as {kind!r}")


PARSE_AHEAD_BATCHES = 3  # batches waiting in the inbox from which a parse worker pays off
PARSE_AHEAD_BYTES = 8 * 2**20  # a bigger batch is fetched only when the one before is done
SIZE_WINDOW = 2000  # mails whose sizes are asked in one FETCH when planning batches
# A mail's text as far as its case record and the staff notices carry it (about 100 pages);
# the original stays kept whole (.eml, processed folder). Every copy of a longer text made
# on its way to the outbox multiplied a 20 MB mail into gigabytes.
MAX_TEXT_CHARS = 256 * 1024


@dataclass
class _Batch:
    """Fetched and kept; `future` the worker's parse, when there is a pool."""

    oversized: list[tuple[int, int]]  # uid, size
    messages: list[FetchedMessage]
    shas: list[str]
    future: Future[list[Parsed]] | None


class Intake:
    """Taking mail in: each mail fetched, kept, parsed, run through the pipeline and carried
    out by `actions`; committed, then moved out of the inbox."""

    def __init__(
        self, settings: Settings, store: Store, actions: Actions, mails: MailBuilder
    ) -> None:
        self.settings = settings
        self.store = store
        self.actions = actions
        self.mails = mails

    def poll_once(
        self,
        mailbox: Mailbox,
        now: datetime,
        should_stop: Callable[[], bool] = lambda: False,
        after_batch: Callable[[], None] = lambda: None,
        alive: Callable[[], None] = lambda: None,
    ) -> PollReport:
        """Handle everything in the inbox now, batch by batch: commit, then move. Batches are
        bounded by count and by bytes, so a killed poll fetches at most one batch again. A stop
        request ends it after the current batch; `after_batch` runs after each one, `alive`
        after each mail (the watchdog hears from a long poll)."""
        report = PollReport()
        uids = mailbox.pending_uids()
        # A flood is parsed a batch ahead on another core; a few mails are not worth a process.
        flood = len(uids) > (PARSE_AHEAD_BATCHES - 1) * self.settings.imap.batch_size
        if flood:
            log.info("%d mails waiting: parsing ahead in a worker process", len(uids))
        handled = 0
        with (ParsePool.start() if flood else None) or contextlib.nullcontext() as pool:
            for batch in self._batches(mailbox, self._planned(mailbox, uids), pool, should_stop):
                if should_stop():
                    break
                self._poll_batch(mailbox, batch, now, report, pool, alive)
                del batch  # its mail is not held while the next batch is fetched
                handled += 1
                after_batch()
            if pool is not None:
                log.info("%d of %d batches parsed in the worker", pool.worker_batches, handled)
        return report

    def _planned(
        self, mailbox: Mailbox, uids: Sequence[int]
    ) -> Iterator[tuple[list[int], dict[int, int]]]:
        """The batches to fetch, each with its mails' sizes; sizes are asked a window at a
        time, so a huge inbox is never listed whole."""
        limit = self.settings.security.max_message_bytes
        count, most = self.settings.imap.batch_size, batch_bytes(limit)
        for start in range(0, len(uids), SIZE_WINDOW):
            window = uids[start : start + SIZE_WINDOW]
            sizes = mailbox.sizes(window)
            for chunk in plan_batches(window, sizes, count, most, limit):
                yield chunk, {uid: sizes[uid] for uid in chunk if uid in sizes}

    def _batches(
        self,
        mailbox: Mailbox,
        planned: Iterator[tuple[list[int], dict[int, int]]],
        pool: ParsePool | None,
        should_stop: Callable[[], bool],
    ) -> Iterator[_Batch]:
        """The batches, fetched and kept. With a pool, a batch (after the first, parsed here
        while the worker starts) is fetched and handed to it before the one before is
        handled; a big one is not (memory: two small batches at most). Nothing is fetched
        after a stop request, and a failed fetch lets what was fetched before it be handled
        first."""
        waiting: deque[_Batch] = deque()
        try:
            for number, (chunk, sizes) in enumerate(planned):
                if should_stop():
                    break
                if pool is None or sum(sizes.values()) > PARSE_AHEAD_BYTES:
                    yield from _drain(waiting)
                    yield self._fetch(mailbox, chunk, sizes, None)
                    continue
                waiting.append(self._fetch(mailbox, chunk, sizes, pool if number else None))
                if len(waiting) > 1:
                    yield waiting.popleft()
        except Exception:
            yield from _drain(waiting)
            raise
        yield from _drain(waiting)

    def _fetch(
        self, mailbox: Mailbox, uids: Sequence[int], sizes: dict[int, int], pool: ParsePool | None
    ) -> _Batch:
        limit = self.settings.security.max_message_bytes
        oversized = [(uid, sizes[uid]) for uid in uids if sizes.get(uid, 0) > limit]
        too_big = {uid for uid, _ in oversized}
        wanted = [uid for uid in uids if uid not in too_big]
        messages = mailbox.fetch(wanted) if wanted else []
        # Kept before anything else is done with them (parsing included).
        shas = [self.store.save_raw(m.raw) for m in messages]
        raws = [m.raw for m in messages]
        future = pool.submit(raws) if pool is not None and raws else None
        return _Batch(oversized, messages, shas, future)

    def _poll_batch(
        self,
        mailbox: Mailbox,
        batch: _Batch,
        now: datetime,
        report: PollReport,
        pool: ParsePool | None,
        alive: Callable[[], None],
    ) -> None:
        limit = self.settings.security.max_message_bytes
        moves: dict[str, list[int]] = {PROCESSED: [], QUARANTINE: []}
        for uid, size in batch.oversized:
            reason = f"message of {size} bytes exceeds max_message_bytes ({limit})"
            self.store.apply(self._quarantine(f"oversized:{uid}:{size}", None, reason, now))
            moves[QUARANTINE].append(uid)
        raws = [m.raw for m in batch.messages]
        parsed = pool.result(batch.future, raws) if pool and batch.future else [None] * len(raws)
        del raws
        for message, sha, mail in zip(batch.messages, batch.shas, parsed, strict=True):
            handled = self.handle(message.raw, now, message.received_at, parsed=mail, sha=sha)
            self.store.apply(handled.changes)
            moves[handled.folder].append(message.uid)
            report.count(handled.kind)
            alive()
        # Only what the store has committed may leave the inbox.
        self.store.commit()
        if moves[PROCESSED]:
            mailbox.move(moves[PROCESSED], self.settings.imap.processed_folder)
        if moves[QUARANTINE]:
            mailbox.move(moves[QUARANTINE], self.settings.imap.quarantine_folder)
        report.quarantined += len(batch.oversized)

    def handle(
        self,
        raw: bytes,
        now: datetime,
        received_at: datetime | None = None,
        *,
        parsed: Parsed | None = None,
        sha: str | None = None,
    ) -> Handled:
        """What one raw message changes, and the folder it goes to. Store failures propagate
        (the mail stays in the inbox); anything else quarantines this message only.
        `received_at` (the server's arrival time) counts as the moment of receipt, so a term
        starts when the mail arrived, not when mailbot got round to it. `parsed` and `sha`:
        what a parse pool made of it, and where it was kept, when that is done already."""
        sha = sha or self.store.save_raw(raw)
        received = min(received_at, now) if received_at else now
        try:
            if isinstance(parsed, Exception):
                raise parsed
            mail = _bounded(parsed or parse_message(raw))
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
        outbox = self.mails.build(effect, None, trigger, now)
        seen = SeenRecord(
            key=f"quarantine:{key}",
            message_id=mail.message_id if mail else "",
            sha256=key,
            outcome="quarantined",
            at=now,
            reason=reason,
        )
        return Changes(outbox=outbox, seen=[seen])


def _bounded(mail: InboundMail) -> InboundMail:
    """The mail with its text cut at MAX_TEXT_CHARS, saying how much was left out; a longer
    HTML part is let go of (the text, converted from it where there was no plain part, stays)."""
    if len(mail.text) <= MAX_TEXT_CHARS and len(mail.html or "") <= MAX_TEXT_CHARS:
        return mail
    html = mail.html if mail.html is None or len(mail.html) <= MAX_TEXT_CHARS else None
    return replace(mail, text=_cut(mail.text), html=html)


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    left = len(text) - MAX_TEXT_CHARS
    return (
        f"{text[:MAX_TEXT_CHARS]}\n\n[... {left} tekens weggelaten; de hele mail is bewaard"
        f" / {left} characters left out; the whole mail is kept]\n"
    )


def _drain(waiting: deque[_Batch]) -> Iterator[_Batch]:
    while waiting:
        yield waiting.popleft()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MailbotError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
