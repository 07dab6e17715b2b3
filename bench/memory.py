"""Memory and the watchdog under big mail: peak RSS and time of `mailbot poll-once` over one
24 MB mail and over 20 mails of 20 MB (default limits: max_message_bytes 25 MiB, batch_size
100), and the longest silence of the systemd watchdog while `mailbot run` takes the 20 in.

    python bench/memory.py [--server dovecot|pymap] [--sizes 24x1,20x20] [--quick] [--no-run]
                           [--shape attachment|text|both]

Two shapes of mail: "attachment" (a short text and one big base64 attachment) and "text" (a
body that is all text, quoted-printable).
"""

from __future__ import annotations

import argparse
import itertools
import os
import quopri
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import common
from common import ImapServer, Results, SinkProcess, log

MB = 1_000_000
MAX_MESSAGE_BYTES = 26_214_400  # mailbot's default security.max_message_bytes
# The bound: peak memory under about 5x the largest allowed mail plus a constant.
TARGET_FACTOR = 5
TARGET_CONSTANT_MB = 100.0
WATCHDOG_USEC = 2_000_000  # mailbot pings at half of it: every second at most


def _complaint(rng: random.Random, kind: str, i: int, seed: int, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.example.nl; spf=pass smtp.mailfrom=example.org"
    msg["From"] = f"Klant {i} <klant.{kind}{seed}x{i}@example.org>"
    msg["To"] = common.COMPLAINTS
    msg["Subject"] = f"{subject} {i}"
    msg["Date"] = format_datetime(common.datetime.now(common.UTC))
    msg["Message-ID"] = f"<{kind}-{seed}-{i}-{rng.getrandbits(32):08x}@mail.example.org>"
    return msg


def big_mail(i: int, size: int, seed: int = 3) -> bytes:
    """A complaint of about `size` bytes on the wire: a short text and one scanned-PDF-like
    attachment of random (incompressible) bytes, base64 as mail clients send it."""
    rng = random.Random(seed * 1000 + i)
    msg = _complaint(rng, "groot", i, seed, "Klacht met bijlage")
    msg.set_content("Geachte heer, mevrouw,\n\nIn de bijlage vindt u de scan.\n\nGroet,\nKlant\n")
    payload = rng.randbytes(max(0, size * 3 // 4 - 2000))  # base64 makes 4 of every 3 bytes
    msg.add_attachment(payload, maintype="application", subtype="pdf", filename="scan.pdf")
    return msg.as_bytes(policy=SMTP_POLICY)


def text_mail(i: int, size: int, seed: int = 3) -> bytes:
    """A complaint of about `size` bytes whose body is all text (a pasted log or a long
    letter with accented words), quoted-printable as mail clients send 8-bit text."""
    rng = random.Random(seed * 1000 + i)
    msg = _complaint(rng, "lang", i, seed, "Lange klacht")
    words = ["cursus", "factuur", "geïrriteerd", "coördinator", "één", "afspraak", "vóór"]
    line = " ".join(rng.choice(words) for _ in range(12)) + ".\n"
    wire = len(quopri.encodestring(line.encode() * 100)) / 100  # bytes a line takes on the wire
    msg.set_content(line * max(1, int(size / wire)), cte="quoted-printable")
    return msg.as_bytes(policy=SMTP_POLICY)


SHAPES = {"attachment": big_mail, "text": text_mail}


@dataclass(frozen=True)
class Mails:
    shape: str
    mb: int
    n: int
    seed: int


def deliver(server: ImapServer, user: str, mails: Mails) -> None:
    """Make and append the mails in a process of its own: a child's peak RSS (wait4) counts
    the memory of the process it was spawned from, so this one must never hold big mail."""
    cmd = [sys.executable, __file__, "--append", str(server.port), user, mails.shape]
    cmd += [str(mails.mb), str(mails.n), str(mails.seed)]
    subprocess.run(cmd, check=True, timeout=600)


def append_only(port: int, user: str, shape: str, mb: int, n: int, seed: int) -> None:
    """The child of `deliver`: one mail made and appended at a time."""
    server = ImapServer("dovecot")
    server.port = port
    for i in range(n):
        common.append_all(server, user, [SHAPES[shape](i, mb * MB, seed=seed)])


def poll_once(
    server: ImapServer, sink: SinkProcess, root: Path, user: str, mails: Mails
) -> dict[str, Any]:
    """`mailbot poll-once` over the mails as a whole process: seconds, peak RSS (wait4)."""
    server.add_user(user)
    deliver(server, user, mails)
    config = common.write_config(root / user, server=server, imap_user=user, smtp_port=sink.port)
    result = common.run_timed(
        [*common.mailbot_command(), "poll-once", "-c", str(config)], 1800, root / f"{user}.stderr"
    )
    out = {
        "n": mails.n,
        "mb_each": mails.mb,
        "seconds": result.seconds,
        "maxrss_mb": result.maxrss_mb,
        "returncode": result.returncode,
        "left_in_inbox": common.inbox_count(server, user),
        "report": result.stdout.strip(),
    }
    if result.returncode != 0:
        stderr = (root / f"{user}.stderr").read_text(errors="replace")
        out["stderr_tail"] = "\n".join(stderr.splitlines()[-8:])
    return out


def watchdog_run(
    server: ImapServer, sink: SinkProcess, root: Path, user: str, mails: Mails
) -> dict[str, Any]:
    """`mailbot run` with a watchdog: the longest gap between WATCHDOG=1 while it takes in
    the mails (appended once it is idle), until the inbox is empty."""
    server.add_user(user)
    config = common.write_config(
        root / user, server=server, imap_user=user, smtp_port=sink.port, poll_seconds=2
    )
    notify = str(root / f"{user}.notify")
    pings: list[float] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(notify)
        systemd.settimeout(0.2)
        os.environ.update(NOTIFY_SOCKET=notify, WATCHDOG_USEC=str(WATCHDOG_USEC))
        try:
            daemon = common.Daemon(config, root / f"{user}.stderr").start()
        finally:
            del os.environ["NOTIFY_SOCKET"], os.environ["WATCHDOG_USEC"]
        try:
            if daemon.wait_for_log("connected to IMAP", 60) is None:
                return {"error": daemon.log_tail()}
            deliver(server, user, mails)
            start = time.monotonic()
            deadline, look = start + 1800, start + 1
            while (now := time.monotonic()) < deadline:
                try:
                    if systemd.recv(256) == b"WATCHDOG=1":
                        pings.append(time.monotonic())
                except TimeoutError:
                    pass
                if now >= look:  # once a second: is the inbox empty (all taken in)?
                    look = now + 1
                    if not common.inbox_count(server, user):
                        break
            end = time.monotonic()
            rss = daemon.peak_rss_mb()
        finally:
            daemon.stop()
    moments = [start, *[p for p in pings if p >= start], end]
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    return {"seconds": end - start, "pings": len(moments) - 2, "max_gap": max(gaps), "rss": rss}


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """ "24x1,20x20" -> [(24, 1), (20, 20)]: MB each, how many."""
    out = []
    for part in text.split(","):
        mb, _, n = part.partition("x")
        out.append((int(mb), int(n or 1)))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--append"]:  # the child of `deliver`
        port, user, shape, mb, n, seed = argv[1:]
        append_only(int(port), user, shape, int(mb), int(n), int(seed))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("dovecot", "pymap"), default="dovecot")
    parser.add_argument("--sizes", default="24x1,20x20", help="MBxCOUNT,... (default 24x1,20x20)")
    parser.add_argument("--shape", choices=(*SHAPES, "both"), default="both")
    parser.add_argument("--no-run", action="store_true", help="skip the watchdog run")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3x1,2x5")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    sizes = parse_sizes("3x1,2x5" if args.quick else args.sizes)
    shapes = list(SHAPES) if args.shape == "both" else [args.shape]
    results = Results("memory")
    bound = TARGET_FACTOR * MAX_MESSAGE_BYTES / 2**20 + TARGET_CONSTANT_MB
    log(f"== memory: {args.sizes if not args.quick else 'quick'} on {args.server} ==")
    with (
        common.workspace(keep=args.keep) as root,
        SinkProcess(root) as sink,
        ImapServer(args.server) as server,
    ):
        for shape in shapes:
            for number, (mb, n) in enumerate(sizes):
                mails = Mails(shape, mb, n, seed=number)
                got = poll_once(server, sink, root, f"{shape}{number}", mails)
                label = f"{n} x {mb} MB {shape}"
                log(
                    f"poll-once, {label}: {got['seconds']:.1f} s, peak RSS "
                    f"{got['maxrss_mb']:.0f} MB (exit {got['returncode']}, "
                    f"{got['left_in_inbox']} left in the inbox)"
                )
                if got.get("stderr_tail"):
                    log("  stderr tail:\n    " + got["stderr_tail"].replace("\n", "\n    "))
                results.figures[label] = got
                ok = got["maxrss_mb"] <= bound and got["returncode"] == 0
                value = f"{got['maxrss_mb']:.0f} MB"
                results.check(f"peak RSS, {label}", value, f"<= {bound:.0f} MB", ok)
        if not args.no_run:
            mb, n = sizes[-1]
            mails = Mails(shapes[0], mb, n, seed=99)
            got = watchdog_run(server, sink, root, "waakhond", mails)
            results.figures["watchdog"] = got
            if "error" in got:
                log(f"mailbot run did not start:\n{got['error']}")
            else:
                log(
                    f"mailbot run, {n} x {mb} MB: {got['seconds']:.1f} s, {got['pings']} watchdog "
                    f"ping(s), longest silence {got['max_gap']:.1f} s, peak RSS {got['rss']:.0f} MB"
                )
            limit = WATCHDOG_USEC / 1e6
            gap = got.get("max_gap", float("inf"))
            results.check(
                "longest watchdog silence", f"{gap:.1f} s", f"< {limit:.0f} s", gap < limit
            )
    results.print_checks()
    results.dump(args.json)
    return 0 if all(c["ok"] for c in results.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
