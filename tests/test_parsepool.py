"""Parsing in a worker process gives what parsing in the intake thread gives."""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailbot.errors import MailParseError
from mailbot.inbound.parse import parse_message
from mailbot.inbound.parsepool import ParsePool, parse_batch

CORPUS = sorted((Path(__file__).parent / "data" / "corpus").glob("*.eml"))


def inline(raw: bytes) -> object:
    try:
        return parse_message(raw)
    except MailParseError as exc:
        return ("error", str(exc))


def as_seen(result: object) -> object:
    return ("error", str(result)) if isinstance(result, Exception) else result


def test_a_batch_parses_as_each_mail_does_unreadable_ones_included() -> None:
    raws = [path.read_bytes() for path in CORPUS] + [b"  \r\n"]
    results = [as_seen(r) for r in parse_batch(raws)]
    assert results == [inline(raw) for raw in raws]
    assert ("error", "empty message") in results
    assert ("error", "message nested too deeply to parse") in results


def test_the_worker_process_parses_as_the_intake_thread_does() -> None:
    raws = [path.read_bytes() for path in CORPUS[:40]]
    with ParsePool() as pool:
        first, second = pool.submit(raws[:20]), pool.submit(raws[20:])
        results = pool.result(first, raws[:20]) + pool.result(second, raws[20:])
    assert [as_seen(r) for r in results] == [inline(raw) for raw in raws]


def test_a_closed_pool_parses_here_instead() -> None:
    raws = [CORPUS[0].read_bytes()]
    pool = ParsePool()
    pool.close()
    assert pool.result(pool.submit(raws), raws) == [parse_message(raws[0])]


HOLDER = """
import sys
from pathlib import Path
from mailbot.inbound.parsepool import ParsePool
pool = ParsePool()
raws = [Path(sys.argv[1]).read_bytes()]
pool.result(pool.submit(raws), raws)
print("ready", flush=True)
sys.stdin.read()  # until killed
"""


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def exits_within(pid: int, timeout: float) -> bool:
    """Wait for a process that is not our child to end: its pidfd becomes readable then
    (a zombie that an init does not reap counts as ended)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    return bool(ready)


def test_the_worker_leaves_when_its_daemon_is_killed() -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(CORPUS[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        workers = children(holder.pid)
        assert workers  # the parse worker (and multiprocessing's resource tracker)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 15
    for pid in workers:
        left = max(0.0, deadline - time.monotonic())
        assert exits_within(pid, left), f"orphaned worker {pid} left running"


def test_without_a_worker_mail_is_parsed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_semaphores(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/dev/shm")

    monkeypatch.setattr("mailbot.inbound.parsepool.ProcessPoolExecutor", no_semaphores)
    assert ParsePool.start() is None


def test_a_worker_that_dies_costs_speed_not_mail(caplog: pytest.LogCaptureFixture) -> None:
    raws = [path.read_bytes() for path in CORPUS[:30]]
    logger = logging.getLogger("mailbot")
    logger.addHandler(caplog.handler)  # the CLI tests stop "mailbot" from propagating
    try:
        with ParsePool() as pool:
            pool.result(pool.submit(raws[:2]), raws[:2])  # the worker is up
            workers = [
                pid
                for pid in children(os.getpid())
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            assert len(workers) == 1
            os.kill(workers[0], signal.SIGKILL)
            results = [pool.result(pool.submit(raws), raws) for _ in range(2)]
    finally:
        logger.removeHandler(caplog.handler)
    assert [[as_seen(r) for r in batch] for batch in results] == [[inline(r) for r in raws]] * 2
    gone = {id(r) for r in caplog.records if "parse worker gone" in r.getMessage()}
    assert len(gone) == 1  # said once, however many batches follow
    assert pool.worker_batches == 1  # only the batch before the kill came from the worker
