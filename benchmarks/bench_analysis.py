"""How long, and how much memory, summarising a large run takes.

Synthesises a run of `--requests` raw request records (default 10 million) spread over
`--points` points in the raw format, then summarises it (every per-point metric, the same
code the report and summary.csv use) in a child process, and prints the wall time and the
child's peak RSS. Target: well under a minute and within 4 GB.

    .venv/bin/python benchmarks/bench_analysis.py [--requests 10000000] [--points 20] [--keep DIR]
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.synthetic import random_requests, write_manifest, write_point

CHILD = """
import sys, time
from analysis.metrics import point_metrics
from analysis.tables import Tables
start = time.perf_counter()
frame = point_metrics(Tables(sys.argv[1]))
print(f"{time.perf_counter() - start:.2f} {int(frame['n_requests'].sum())} {len(frame)}")
"""


def synthesise(run_dir: Path, requests: int, points: int) -> None:
    write_manifest(run_dir)
    per_point, duration = requests // points, 60.0
    for i in range(points):
        start = 1_700_000_000.0 + i * 100
        write_point(run_dir, f"p{i:03d}", random_requests(per_point, start, duration, seed=i),
                    params={"users": 10 * (1 + i % 4), "repetition": i // 4}, measure_from=start + 0.05 * duration,
                    duration_s=0.95 * duration, breaker_code=503,
                    breaker_events=[(start + 10, "standby", "tripped"), (start + 20, "tripped", "recovering"),
                                    (start + 30, "recovering", "standby")],
                    fault_events=[{"t_s": start + 9.5, "replica": "replica-1", "action": "set", "fault": {}},
                                  {"t_s": start + 25, "replica": "replica-1", "action": "clear", "fault": None}])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--keep", help="write the synthetic run here and keep it")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    run_dir = root / "bench-run"
    try:
        t0 = time.perf_counter()
        synthesise(run_dir, args.requests, args.points)
        size = sum(p.stat().st_size for p in run_dir.rglob("*.parquet"))
        print(f"synthesised {args.requests:,} requests in {args.points} points ({size / 2**20:.0f} MiB parquet) "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(run_dir)], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"summarising failed:\n{out.stderr[-3000:]}")
        wall = time.perf_counter() - t0
        inner, counted, n_points = out.stdout.splitlines()[-1].split()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux reports KiB
        print(f"summarised {int(counted):,} measured requests ({n_points} points): {float(inner):.1f} s "
              f"({wall:.1f} s with interpreter start-up), peak RSS {peak / 2**30:.2f} GiB")
        print(f"targets: time {wall / 60:.2f} of a minute, memory {peak / 4 / 2**30:.2f} of 4 GiB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
