"""Run every benchmark with its defaults (or --quick), each as a process of its own, then print
one summary table of the figures against their targets.

    python bench/run_all.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("throughput", "latency", "scale", "memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke sizes (seconds, for CI)")
    parser.add_argument("--profile", action="store_true", help="also run bench/profile.py")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per script, seconds")
    args = parser.parse_args(argv)

    checks: list[tuple[str, dict]] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-all-") as tmp:
        for name in SCRIPTS + (("profile",) if args.profile else ()):
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, str(BENCH / f"{name}.py")]
            cmd += ["--quick"] if args.quick else []
            cmd += ["--json", str(out)] if name != "profile" else []
            start = time.monotonic()
            try:
                code = subprocess.run(cmd, timeout=args.timeout, check=False).returncode
            except subprocess.TimeoutExpired:
                code = -1
                print(f"{name}: timed out after {args.timeout:.0f} s", flush=True)
            print(f"({name}: {time.monotonic() - start:.0f} s, exit {code})\n", flush=True)
            if code != 0:
                failed.append(name)
            if out.exists():
                checks += [(name, c) for c in json.loads(out.read_text())["checks"]]

    print("== summary ==")
    if checks:
        w = max(len(c["what"]) for _, c in checks)
        v = max(len(c["value"]) for _, c in checks)
        t = max(len(c["target"]) for _, c in checks)
        print(f"{'benchmark':<11} {'figure':<{w}}  {'value':>{v}}  {'target':<{t}}  result")
        for name, c in checks:
            result = "PASS" if c["ok"] else "MISS"
            print(f"{name:<11} {c['what']:<{w}}  {c['value']:>{v}}  {c['target']:<{t}}  {result}")
    if failed:
        print(f"did not complete: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
