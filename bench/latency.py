"""Latency: `mailbot run` with IMAP IDLE; mails appended one at a time (each waits for the
previous one's mail to be sent); time from APPEND to the acknowledgement at the SMTP sink.

    python bench/latency.py [--n 50] [--server dovecot|pymap|both] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import common
from common import TARGET_P95, Daemon, ImapServer, Results, SinkProcess, log, percentile

USER = "klachten"


def measure(
    server: ImapServer,
    sink: SinkProcess,
    workdir: Path,
    n: int,
    *,
    seed: int = 42,
    data_dir: Path | None = None,
    timeout: float = 30.0,
    warmup: int = 1,
    user: str = USER,
    gap: float = 1.0,
) -> dict[str, Any]:
    """Start `mailbot run` (IDLE, poll every 300 s), send `warmup` + `n` mails one by one,
    `gap` s apart once the previous one's mail is all sent (so mailbot is back in IDLE, as
    when mail arrives at random); the figures. `data_dir` may be pre-filled."""
    server.add_user(user)
    config = common.write_config(
        workdir / f"run-{user}", server=server, imap_user=user, smtp_port=sink.port,
        data_dir=data_dir, poll_seconds=300, idle=True,
    )  # fmt: skip
    settings = common.settings_of(config)
    mails = common.generate_mails(warmup + n, seed=seed)
    daemon = Daemon(config, workdir / f"run-{user}.stderr").start()
    out: dict[str, Any] = {"server": server.kind, "n": n}
    client = None
    try:
        started = daemon.wait_for_log("connected to IMAP", timeout=120)
        if started is None:
            raise RuntimeError(f"mailbot run did not connect:\n{daemon.log_tail()}")
        out["startup_s"] = started
        client = common.imap_connect(server, user)
        latencies: list[float] = []
        for i, mail in enumerate(mails):
            common._PAUSE.wait(gap)
            per_mail = common.sends_per_mail(settings, mail.track)
            before = sink.count()
            t0 = time.monotonic()
            client.append("INBOX", mail.raw)
            appended = time.monotonic()
            ack = wait_for_ack(sink, mail.sender, timeout)
            if ack is None:
                raise RuntimeError(
                    f"no acknowledgement for mail {i} within {timeout} s:\n{daemon.log_tail()}"
                )
            if not sink.wait_count(before + per_mail, timeout):
                raise RuntimeError(f"mail {i}: {sink.count() - before} of {per_mail} sent")
            if i < warmup:
                out.setdefault("warmup_s", []).append(ack - t0)
            else:
                latencies.append(ack - t0)
                out.setdefault("append_s", []).append(appended - t0)
        out["latencies_s"] = latencies
        out["p50_s"] = percentile(latencies, 50)
        out["p95_s"] = percentile(latencies, 95)
        out["max_s"] = max(latencies) if latencies else float("nan")
        out["min_s"] = min(latencies) if latencies else float("nan")
        out["peak_rss_mb"] = daemon.peak_rss_mb()
    finally:
        if client is not None:
            try:
                client.logout()
            except Exception as exc:  # the server may be gone; cleanup goes on
                log(f"(imap logout: {exc})")
        daemon.stop()
    return out


def wait_for_ack(sink: SinkProcess, complainant: str, timeout: float) -> float | None:
    """The sink's arrival time of the first mail to the complainant (the acknowledgement)."""
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        records = sink.refresh()
        for record in records[seen:]:
            if record.rcpt == complainant:
                return record.at
        seen = len(records)
        common._PAUSE.wait(0.001)
    return None


def print_latency(r: dict[str, Any], label: str = "") -> None:
    log(
        f"{label}{r['server']}: APPEND -> acknowledgement at the sink over {r['n']} mails: "
        f"p50 {1000 * r['p50_s']:.0f} ms, p95 {1000 * r['p95_s']:.0f} ms, "
        f"max {1000 * r['max_s']:.0f} ms (min {1000 * r['min_s']:.0f} ms); "
        f"first mail after start {1000 * r['warmup_s'][0]:.0f} ms; "
        f"start-up {r['startup_s']:.2f} s; peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--server", choices=("dovecot", "pymap", "both"), default="both")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=30.0, help="per mail, seconds")
    parser.add_argument(
        "--gap", type=float, default=1.0, help="pause before each mail, seconds (default 1)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: --n 5")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    n = 5 if args.quick else args.n
    gap = 0.6 if args.quick else args.gap
    kinds = ("dovecot", "pymap") if args.server == "both" else (args.server,)
    results = Results("latency")

    for kind in kinds:
        log(f"== latency: {n} mails one at a time ({gap} s apart), mailbot run, IDLE, {kind} ==")
        with common.workspace() as root, SinkProcess(root) as sink, ImapServer(kind) as server:
            r = measure(server, sink, root, n, seed=args.seed, timeout=args.timeout, gap=gap)
        print_latency(r)
        results.figures[kind] = r
        target = TARGET_P95[kind]
        results.check(
            f"latency p95 ({kind})", f"{1000 * r['p95_s']:.0f} ms", f"< {1000 * target:.0f} ms",
            r["p95_s"] < target,
        )  # fmt: skip
    results.print_checks()
    results.dump(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
