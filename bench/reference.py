"""The no-logic reference pipeline, run as a process of its own.

Fetch every message of the mailbox with BODY.PEEK[] in batches of 100, parse it with the stdlib
`email` parser (policy.default: headers, body text, attachments), compose one short reply with
EmailMessage and send it over ONE smtplib connection. No case logic, no store, no moves.
Prints one JSON line with its counts and the split of its own time.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import socket
import sys
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import format_datetime, localtime

from imapclient import IMAPClient

FROM = "klachten@example.nl"


def reply_to(msg: EmailMessage, n: int) -> tuple[str, bytes]:
    sender = msg["From"].addresses[0].addr_spec
    reply = EmailMessage()
    reply["From"] = f"Klachten <{FROM}>"
    reply["To"] = sender
    reply["Subject"] = f"Re: {msg['Subject']}"
    reply["Date"] = format_datetime(localtime())
    reply["Message-ID"] = f"<ref.{n}.{time.time_ns()}@mailbot.example.nl>"  # no getfqdn()
    if msg["Message-ID"]:
        reply["In-Reply-To"] = str(msg["Message-ID"])
    reply["Auto-Submitted"] = "auto-replied"
    reply.set_content(
        f'Beste afzender,\n\nWe hebben uw bericht "{msg["Subject"]}" ontvangen en nemen binnen '
        "vijf werkdagen contact met u op.\n\nMet vriendelijke groet,\nKlachten\n"
    )
    return sender, reply.as_bytes()


def sink_only(port: int, n: int) -> int:
    """What the SMTP sink accepts over one connection, serially: the ceiling for any sender."""
    line = b"Wij hebben uw bericht ontvangen en nemen binnen vijf werkdagen contact op.\r\n"
    raw = b"From: klachten@example.nl\r\nTo: x@example.org\r\nSubject: ok\r\n\r\n" + line * 12
    smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="reference.localhost")
    t = time.monotonic()
    for _ in range(n):
        smtp.sendmail(FROM, ["x@example.org"], raw)
    seconds = time.monotonic() - t
    smtp.quit()
    print(json.dumps({"sent": n, "seconds": seconds}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imap-port", type=int)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--sink-only", type=int, metavar="N", help="only send N ready-made mails (sink ceiling)"
    )
    args = parser.parse_args(argv)
    if args.sink_only:
        return sink_only(args.smtp_port, args.sink_only)
    if not (args.imap_port and args.user and args.password):
        parser.error("--imap-port, --user and --password are required")

    split = {"imap": 0.0, "parse": 0.0, "compose": 0.0, "smtp": 0.0}
    t = time.monotonic()
    imap = IMAPClient("127.0.0.1", port=args.imap_port, ssl=False, timeout=30)
    imap.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    imap.login(args.user, args.password)
    imap.select_folder("INBOX")
    uids = sorted(imap.search(["NOT", "DELETED"]))
    smtp = smtplib.SMTP("127.0.0.1", args.smtp_port, local_hostname="reference.localhost")
    split["imap"] += time.monotonic() - t
    sent = attachments = 0
    for i in range(0, len(uids), args.batch):
        t = time.monotonic()
        data = imap.fetch(uids[i : i + args.batch], ["BODY.PEEK[]"])
        split["imap"] += time.monotonic() - t
        for uid in uids[i : i + args.batch]:
            t0 = time.monotonic()
            msg = BytesParser(policy=default).parsebytes(data[uid][b"BODY[]"])
            body = msg.get_body(preferencelist=("plain", "html"))
            _text = body.get_content() if body is not None else ""
            for part in msg.iter_attachments():
                part.get_content()
                attachments += 1
            t1 = time.monotonic()
            rcpt, raw = reply_to(msg, sent)
            t2 = time.monotonic()
            smtp.sendmail(FROM, [rcpt], raw)
            t3 = time.monotonic()
            split["parse"] += t1 - t0
            split["compose"] += t2 - t1
            split["smtp"] += t3 - t2
            sent += 1
    t = time.monotonic()
    smtp.quit()
    split["smtp"] += time.monotonic() - t
    imap.logout()
    print(json.dumps({"fetched": len(uids), "sent": sent, "attachments": attachments, **split}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
