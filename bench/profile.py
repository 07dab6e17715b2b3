"""Where `mailbot poll-once` spends its time: N mails in the inbox, poll-once run under cProfile
as a process of its own (the SMTP sink in another), then the top functions and a breakdown.

    python bench/profile.py [--n 1000] [--server dovecot|pymap] [--top 35] [--quick]
"""

from __future__ import annotations

import argparse
import io
import pstats
import sys
from pathlib import Path

import common
from common import ImapServer, SinkProcess, log

# What to sum, by (file suffix, function name) of the profiled call: cumulative seconds.
PARTS = (
    ("IMAP fetch (BODY.PEEK[])", "mailbot/inbound/imap.py", "fetch"),
    ("IMAP sizes", "mailbot/inbound/imap.py", "sizes"),
    ("IMAP move", "mailbot/inbound/imap.py", "move"),
    ("Store.save_raw (.eml, atomic write)", "mailbot/store/store.py", "save_raw"),
    ("Store.save_attachment", "mailbot/store/store.py", "save_attachment"),
    ("parse_message (mail-parser)", "mailbot/inbound/parse.py", "parse_message"),
    ("run_pipeline (steps)", "mailbot/inbound/pipeline.py", "run_pipeline"),
    ("Store.next_case_id", "mailbot/store/store.py", "next_case_id"),
    ("build_mails (render + ids)", "mailbot/outbound/build.py", "build_mails"),
    ("Renderer.render (Jinja2)", "mailbot/outbound/render.py", "render"),
    ("Store.commit (TinyDB + atomic write)", "mailbot/store/store.py", "commit"),
    ("Store.mark_sent (journal + fsync)", "mailbot/store/store.py", "mark_sent"),
    ("compose (RFC 5322 bytes)", "mailbot/mail/compose.py", "compose"),
    ("smtplib sendmail", "smtplib.py", "sendmail"),
    ("Outbox.flush (all sending)", "mailbot/outbound/sending.py", "flush"),
    ("Intake.poll_once (all intake)", "mailbot/daemon/intake.py", "poll_once"),
    ("os.fsync (all)", "~", "<built-in method posix.fsync>"),
    ("os.replace (all)", "~", "<built-in method posix.replace>"),
    ("json.dumps (all)", "json/__init__.py", "dumps"),
    ("json.loads (all)", "json/__init__.py", "loads"),
    ("codec.to_dict (all)", "mailbot/store/codec.py", "to_dict"),
)


def breakdown(stats: pstats.Stats) -> list[tuple[str, int, float]]:
    found: dict[str, tuple[int, float]] = {}
    for (filename, _line, func), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, suffix, name in PARTS:
            if func == name and (filename == suffix or filename.endswith(suffix)):
                calls, seconds = found.get(label, (0, 0.0))
                # recursive functions appear once; nested self-calls are not double counted
                found[label] = (calls + nc, seconds + ct)
    return [(label, *found.get(label, (0, 0.0))) for label, _, _ in PARTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--server", choices=("dovecot", "pymap"), default="dovecot")
    parser.add_argument("--cases", type=int, default=0, help="cases stored beforehand")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: --n 20")
    parser.add_argument("--save", help="also keep the raw cProfile output here")
    args = parser.parse_args(argv)
    n = 20 if args.quick else args.n

    log(f"== profile of mailbot poll-once: {n} mails, {args.server}, {args.cases} cases ==")
    mails = common.generate_mails(n, seed=args.seed)
    with (
        common.workspace() as root,
        SinkProcess(root) as sink,
        ImapServer(args.server) as server,
    ):
        user = "klachten"
        server.add_user(user)
        data_dir = root / "data"
        if args.cases:
            common.prefill_store(data_dir, args.cases)
        common.append_all(server, user, [m.raw for m in mails])
        config = common.write_config(
            root / "cfg", server=server, imap_user=user, smtp_port=sink.port, data_dir=data_dir
        )
        expected = common.expected_sends(common.settings_of(config), mails)
        out = Path(args.save) if args.save else root / "poll-once.prof"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out)]
        result = common.run_timed(
            [*cmd, *common.mailbot_command()[-1:], "poll-once", "-c", str(config)]
            if common.mailbot_command()[0] != sys.executable
            else [*cmd, "-c", common.mailbot_command()[-1], "poll-once", "-c", str(config)],
            args.timeout,
            root / "stderr",
        )
        sink.wait_count(expected, timeout=10)
        log(
            f"poll-once under cProfile: {result.seconds:.2f} s for {n} mails "
            f"({n / result.seconds:.0f} mails/s with profiling overhead), exit "
            f"{result.returncode}, sink {sink.count()}/{expected}"
        )
        stats = pstats.Stats(str(out))
        total = stats.total_tt  # type: ignore[attr-defined]
        log(f"\nbreakdown (cumulative seconds inside each; parts overlap; total {total:.2f} s):")
        for label, calls, seconds in breakdown(stats):
            if calls:
                log(
                    f"  {label:<40} {seconds:7.2f} s  {100 * seconds / total:5.1f}%  "
                    f"{calls:>7} calls  {1000 * seconds / max(n, 1):6.2f} ms/mail"
                )
        for key in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(str(out), stream=buf).sort_stats(key).print_stats(args.top)
            text = buf.getvalue()
            log(f"\ntop {args.top} by {key}:")
            log(text[text.find("   ncalls") :].rstrip())
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
