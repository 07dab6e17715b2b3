"""An SMTP sink for the benchmarks, run as a process of its own (so it never shares the GIL
with what is measured): `python bench/sink.py --port P --log FILE`.

Every accepted message becomes one line in FILE, written with a single `os.write` on an
O_APPEND descriptor *before* the 250 reply goes out, so a client that saw 250 can count on the
line being there:

    <time.monotonic()>\t<recipient>\t<In-Reply-To>\t<Auto-Submitted>\t<bytes>

`time.monotonic()` is CLOCK_MONOTONIC, the same clock in every process on the machine, so the
harness compares it with its own readings. Prints "ready <port>" on stdout once listening;
SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP

WANTED = (b"in-reply-to", b"auto-submitted")


def header_values(raw: bytes) -> dict[bytes, str]:
    """The few headers the harness needs, from the header block only (no full parse)."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    head = raw[: end if end >= 0 else len(raw)]
    found: dict[bytes, str] = {}
    for line in head.split(b"\n"):
        name, colon, value = line.partition(b":")
        key = name.strip().lower()
        if colon and key in WANTED and key not in found:
            found[key] = value.strip().decode("ascii", "replace")
    return found


class Recorder:
    """aiosmtpd handler: one line per accepted message."""

    def __init__(self, log_path: str) -> None:
        self.fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        headers = header_values(raw)
        for rcpt in envelope.rcpt_tos or [""]:
            line = "\t".join(
                (
                    f"{time.monotonic():.6f}",
                    rcpt.lower(),
                    headers.get(b"in-reply-to", ""),
                    headers.get(b"auto-submitted", ""),
                    str(len(raw)),
                )
            )
            os.write(self.fd, (line + "\n").encode("utf-8", "replace"))
            self.count += 1
        return "250 2.0.0 OK"


async def serve(port: int, log_path: str) -> None:
    loop = asyncio.get_running_loop()
    handler = Recorder(log_path)
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="sink.localhost",  # the default looks up the FQDN (DNS): not on loopback
            ident="bench-sink",
            enable_SMTPUTF8=True,
            data_size_limit=64 * 1024 * 1024,
        ),
        host="127.0.0.1",
        port=port,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"ready {port}", flush=True)
    async with server:
        await stop.wait()
    os.close(handler.fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True, help="file that gets one line per message")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
