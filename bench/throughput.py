"""Throughput: N complaint mails in the inbox; `mailbot poll-once` as a whole process, from
spawn to exit with every mail it sends accepted by the SMTP sink, against the no-logic reference
process (bench/reference.py) on the same mails in the same run.

    python bench/throughput.py [--n 2000] [--server dovecot|pymap] [--cases 0] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import common
from common import (
    HELPDESK_RATE,
    TARGET_RATE,
    TARGET_RATIO,
    GeneratedMail,
    ImapServer,
    Results,
    SinkProcess,
    log,
)

BOT_USER = "klachten"
REF_USER = "referentie"


def run_mailbot(
    server: ImapServer,
    sink: SinkProcess,
    workdir: Path,
    mails: Sequence[GeneratedMail],
    *,
    user: str = BOT_USER,
    data_dir: Path | None = None,
    timeout: float = 600.0,
    append: bool = True,
) -> dict[str, Any]:
    """`mailbot poll-once` over `mails` (appended to `user`'s inbox unless `append` is
    False); returns its figures. The data dir may be pre-filled."""
    server.add_user(user)
    out: dict[str, Any] = {"n": len(mails)}
    if append:
        seconds = common.append_all(server, user, [m.raw for m in mails])
        out["append_rate"] = len(mails) / seconds
    config = common.write_config(
        workdir / f"mailbot-{user}", server=server, imap_user=user, smtp_port=sink.port,
        data_dir=data_dir,
    )  # fmt: skip
    settings = common.settings_of(config)
    expected = common.expected_sends(settings, mails)
    before = sink.count()
    result = common.run_timed(
        [*common.mailbot_command(), "poll-once", "-c", str(config)],
        timeout,
        workdir / f"mailbot-{user}.stderr",
    )
    complete = sink.wait_count(before + expected, timeout=10)
    sent = sink.count() - before
    left = common.inbox_count(server, user)
    out.update(
        seconds=result.seconds,
        rate=len(mails) / result.seconds,
        returncode=result.returncode,
        timed_out=result.timed_out,
        maxrss_mb=result.maxrss_mb,
        expected_sends=expected,
        sent=sent,
        complete=complete and sent == expected,
        left_in_inbox=left,
        report=result.stdout.strip(),
        config=str(config),
    )
    if result.returncode != 0 or result.timed_out:
        stderr = (workdir / f"mailbot-{user}.stderr").read_text(errors="replace")
        out["stderr_tail"] = "\n".join(stderr.splitlines()[-10:])
    return out


def run_reference(
    server: ImapServer,
    sink: SinkProcess,
    workdir: Path,
    mails: Sequence[GeneratedMail],
    *,
    user: str = REF_USER,
    timeout: float = 600.0,
) -> dict[str, Any]:
    server.add_user(user)
    common.append_all(server, user, [m.raw for m in mails])
    before = sink.count()
    script, smtp = str(common.BENCH / "reference.py"), str(sink.port)
    login = ("--user", user, "--password", common.IMAP_PASSWORD)
    result = common.run_timed(
        [sys.executable, script, "--imap-port", str(server.port), *login, "--smtp-port", smtp],
        timeout,
        workdir / "reference.stderr",
    )
    sink.wait_count(before + len(mails), timeout=10)
    sent = sink.count() - before
    out: dict[str, Any] = {
        "n": len(mails),
        "seconds": result.seconds,
        "rate": len(mails) / result.seconds,
        "returncode": result.returncode,
        "maxrss_mb": result.maxrss_mb,
        "sent": sent,
        "complete": sent == len(mails),
    }
    try:
        out["split"] = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        out["stdout"] = result.stdout
        out["stderr_tail"] = (workdir / "reference.stderr").read_text(errors="replace")[-2000:]
    return out


def sink_ceiling(sink: SinkProcess, workdir: Path, n: int) -> float:
    """Messages/s the sink accepts from one serial smtplib connection in another process."""
    before = sink.count()
    script = str(common.BENCH / "reference.py")
    result = common.run_timed(
        [sys.executable, script, "--smtp-port", str(sink.port), "--sink-only", str(n)],
        120,
        workdir / "sink-only.stderr",
    )
    sink.wait_count(before + n, timeout=10)
    try:
        return n / json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
    except (ValueError, IndexError, ZeroDivisionError):
        return float("nan")


def print_mailbot(bot: dict[str, Any], label: str = "mailbot poll-once") -> None:
    log(
        f"{label}: {bot['n']} mails in {bot['seconds']:.2f} s = {bot['rate']:.1f} mails/s "
        f"(exit {bot['returncode']}, peak RSS {bot['maxrss_mb']:.0f} MB)"
    )
    log(
        f"  sink accepted {bot['sent']} of the {bot['expected_sends']} mails mailbot must send "
        f"(acknowledgement + staff notifications per mail: {bot['sent'] / max(bot['n'], 1):.2f}); "
        f"{'complete' if bot['complete'] else 'INCOMPLETE'}; {bot['left_in_inbox']} left in inbox"
    )
    if bot.get("report"):
        log(f"  mailbot says: {bot['report']}")
    if bot.get("stderr_tail"):
        log("  stderr tail:\n    " + bot["stderr_tail"].replace("\n", "\n    "))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="mails (default 2000)")
    parser.add_argument("--server", choices=("dovecot", "pymap"), default="dovecot")
    parser.add_argument("--cases", type=int, default=0, help="cases stored beforehand")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--formal-share", type=float, default=0.0, help="share of mails to the committee (0..1)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="per process, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: --n 40")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    n = 40 if args.quick else args.n
    results = Results("throughput")

    log(f"== throughput: {n} mails, {args.server}, {args.cases} stored cases ==")
    mails = common.generate_mails(n, seed=args.seed, formal_share=args.formal_share)
    log(common.describe_mails(mails))
    with (
        common.workspace(keep=args.keep) as root,
        SinkProcess(root) as sink,
        ImapServer(args.server) as server,
    ):
        data_dir = root / "data"
        empty = run_mailbot(server, sink, root, [], user="leeg", timeout=60)
        log(f"fixed cost: poll-once on an empty inbox and store takes {empty['seconds']:.2f} s")
        if args.cases:
            fill = common.prefill_store(data_dir, args.cases)
            log(f"pre-filled {args.cases} cases in {fill['total_s']:.1f} s")
        bot = run_mailbot(server, sink, root, mails, data_dir=data_dir, timeout=args.timeout)
        log(f"appended at {bot['append_rate']:.0f} mails/s (one connection)")
        print_mailbot(bot)
        ref = run_reference(server, sink, root, mails, timeout=args.timeout)
        log(
            f"reference (fetch BODY.PEEK[] x100, stdlib parse, one reply each over one SMTP "
            f"connection): {ref['n']} mails in {ref['seconds']:.2f} s = {ref['rate']:.1f} mails/s"
            f" (sent {ref['sent']}, peak RSS {ref['maxrss_mb']:.0f} MB)"
        )
        if "split" in ref:
            s = ref["split"]
            log(
                f"  reference split: imap {s['imap']:.2f} s, parse {s['parse']:.2f} s, "
                f"compose {s['compose']:.2f} s, smtp {s['smtp']:.2f} s"
            )
        else:
            log(f"  reference failed: {ref.get('stderr_tail', '')}")

        ceiling = sink_ceiling(sink, root, max(200, min(n, 2000)))
        per_mail = bot["expected_sends"] / max(n, 1)
        log(
            f"SMTP sink ceiling: {ceiling:.0f} mails/s over one serial connection; at "
            f"{per_mail:.0f} sends per complaint, serial sending alone caps mailbot at "
            f"{ceiling / per_mail:.0f} complaints/s"
        )

    ratio = bot["rate"] / ref["rate"]
    log(f"ratio mailbot / reference: {ratio:.2f}")
    results.figures = {
        "server": args.server,
        "cases": args.cases,
        "empty_poll_s": empty["seconds"],
        "sink_ceiling": ceiling,
        "mailbot": bot,
        "ref": ref,
    }
    results.check(
        f"mailbot vs reference ({args.server})", f"{ratio:.2f}x", f">= {TARGET_RATIO}x",
        ratio >= TARGET_RATIO,
    )  # fmt: skip
    results.check(
        f"mailbot rate ({args.server})", f"{bot['rate']:.0f} mails/s",
        f">= {TARGET_RATE:.0f} (3x{HELPDESK_RATE:.0f})", bot["rate"] >= TARGET_RATE,
    )  # fmt: skip
    results.check("all mail sent", f"{bot['sent']}/{bot['expected_sends']}", "all", bot["complete"])
    results.print_checks()
    results.dump(args.json)
    return 0 if bot["complete"] and ref["complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
