"""Scale: the store pre-filled with 0, 10,000 and 50,000 cases (through the store's own API);
at each size the start-up of `mailbot run`, its latency with IDLE, its peak memory, and the
throughput of `mailbot poll-once`.

    python bench/scale.py [--sizes 0,10000,50000] [--n 500] [--latency-n 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import common
import latency
import throughput
from common import (
    TARGET_P95,
    TARGET_RSS_MB,
    TARGET_SCALE_RATIO,
    TARGET_STARTUP,
    ImapServer,
    Results,
    SinkProcess,
    log,
)

NO_DEADLINES = "n/a (no deadlines yet)"


def wake_text(wake: dict[str, float] | None) -> str:
    if wake is None:
        return NO_DEADLINES
    return (
        f"{1000 * wake['median_s']:.1f} ms (median of 5; best {1000 * wake['best_s']:.1f} ms; "
        f"{wake['open_cases']} open cases; store loaded in-process in {wake['load_s']:.1f} s)"
    )


def in_child(function: str, args: str) -> Any:
    """Run `common.<function>(<args>)` in a process of its own. Work that loads a big store
    must not grow this process: every child forked from it (mailbot included) would report
    that size as its peak RSS (wait4) from before its exec."""
    code = (
        "import json, sys; from pathlib import Path; "
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import common; "
        f"print(json.dumps(common.{function}({args})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,50000", help="stored cases, comma-separated")
    parser.add_argument("--n", type=int, default=500, help="mails for the throughput run")
    parser.add_argument("--latency-n", type=int, default=10, help="mails for the latency run")
    parser.add_argument("--server", choices=("dovecot", "pymap"), default="dovecot")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=900.0, help="per process, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: sizes 0,300; n 30")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [0, 300] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    n = 30 if args.quick else args.n
    latency_n = 3 if args.quick else args.latency_n
    results = Results("scale")
    rows: list[dict[str, Any]] = []

    log(f"== scale: stored cases {sizes}; throughput {n} mails; latency {latency_n} mails ==")
    with (
        common.workspace() as root,
        SinkProcess(root) as sink,
        ImapServer(args.server) as server,
    ):
        for size in sizes:
            data_dir = root / f"data-{size}"
            row: dict[str, Any] = {"cases": size}
            if size:
                fill = in_child("prefill_store", f"Path({str(data_dir)!r}), {size}")
                row["prefill"] = fill
                log(
                    f"[{size}] pre-filled {size} cases in {fill['total_s']:.1f} s (build "
                    f"{fill['build_s']:.1f} s, apply {fill['apply_s']:.1f} s, commit "
                    f"{fill['commit_s']:.1f} s); store.json {fill['store_mb']:.0f} MB"
                )
            config = common.write_config(
                root / f"wake-{size}", server=server, imap_user=f"run{size}",
                smtp_port=sink.port, data_dir=data_dir,
            )  # fmt: skip
            row["wake"] = in_child("time_next_wakeup", f"Path({str(config)!r})")
            lat = latency.measure(
                server, sink, root, latency_n, seed=args.seed + size + 1, data_dir=data_dir,
                timeout=120.0, user=f"run{size}", gap=0.6,
            )  # fmt: skip
            row["latency"] = lat
            latency.print_latency(lat, label=f"[{size}] ")
            mails = common.generate_mails(n, seed=args.seed + size + 2)
            bot = throughput.run_mailbot(
                server, sink, root, mails, user=f"tp{size}", data_dir=data_dir,
                timeout=args.timeout,
            )  # fmt: skip
            row["throughput"] = bot
            throughput.print_mailbot(bot, label=f"[{size}] mailbot poll-once")
            log(f"[{size}] next wake-up over all open deadlines: {wake_text(row['wake'])}")
            rows.append(row)

    log("")
    header = (
        f"{'cases':>7} {'store MB':>8} {'start-up':>9} {'1st mail':>8} {'lat p50':>8} "
        f"{'lat p95':>8} {'RSS run':>8} {'mails/s':>8} {'RSS poll':>9} {'wake-up':>8}"
    )
    log(header)
    for row in rows:
        lat, bot = row["latency"], row["throughput"]
        store_mb = row.get("prefill", {}).get("store_mb", 0.0)
        wake = f"{1000 * row['wake']['median_s']:.1f}ms" if row["wake"] else "n/a"
        log(
            f"{row['cases']:>7} {store_mb:>8.0f} {lat['startup_s']:>8.2f}s "
            f"{lat['warmup_s'][0]:>7.2f}s {1000 * lat['p50_s']:>6.0f}ms "
            f"{1000 * lat['p95_s']:>6.0f}ms"
            f" {lat['peak_rss_mb']:>6.0f}MB {bot['rate']:>8.1f} {bot['maxrss_mb']:>7.0f}MB "
            f"{wake:>8}"
        )
    log(
        "(start-up: spawn of `mailbot run` until it logs 'connected to IMAP', store loaded; "
        "1st mail: APPEND -> acknowledgement of the first mail after start; lat: the mails "
        "after it; RSS: VmHWM of `mailbot run`, wait4 maxrss of poll-once; "
        "wake-up: Service.next_deadline over all open deadlines, in-process)"
    )

    results.figures = {"server": args.server, "rows": rows}
    base, top = rows[0], rows[-1]
    label = f"{top['cases']} cases"
    if len(rows) > 1:
        ratio = top["throughput"]["rate"] / base["throughput"]["rate"]
        results.check(
            f"throughput at {label} / at {base['cases']}", f"{ratio:.2f}x",
            f">= {TARGET_SCALE_RATIO}x", ratio >= TARGET_SCALE_RATIO,
        )  # fmt: skip
    startup = top["latency"]["startup_s"]
    results.check(f"start-up at {label}", f"{startup:.2f} s", f"< {TARGET_STARTUP} s",
                  startup < TARGET_STARTUP)  # fmt: skip
    rss = max(top["latency"]["peak_rss_mb"], top["throughput"]["maxrss_mb"])
    results.check(f"peak RSS at {label}", f"{rss:.0f} MB", f"< {TARGET_RSS_MB:.0f} MB",
                  rss < TARGET_RSS_MB)  # fmt: skip
    p95 = top["latency"]["p95_s"]
    target = TARGET_P95[args.server]
    results.check(
        f"latency p95 at {label} ({args.server})", f"{1000 * p95:.0f} ms",
        f"< {1000 * target:.0f} ms", p95 < target,
    )  # fmt: skip
    wake = top["wake"]
    if wake is None:
        results.check(f"next wake-up at {label}", "n/a", "(deadlines later)", True)
    else:
        results.check(
            f"next wake-up at {label}", f"{1000 * wake['median_s']:.1f} ms", "(no target)", True
        )
    results.print_checks()
    results.dump(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
