"""Does a Locust process's memory stay flat over a long run (records streamed to disk)?

One closed-loop point of `--minutes`; prints the generator's RSS at the start and end of
the measured window, their ratio and the slope of a least-squares line (MB/min).

    .venv/bin/python benchmarks/bench_generator_memory.py [--minutes 10] [--users 20]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from harness import LocalStack
from harness.load import LoadSpec
from harness.point import run_point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    with LocalStack(run_dir=work / "stack") as stack:
        meta = run_point(stack, LoadSpec(users=args.users), args.minutes * 60, 10.0, work / "point")
    t0, t1 = meta["timings"]["measure_from"], meta["timings"]["end_at"]
    rows = [r for r in pq.read_table(work / "point" / "resources.parquet").to_pylist()
            if r["process"] == "locust" and t0 <= r["t_s"] < t1]
    minutes = [(r["t_s"] - t0) / 60 for r in rows]
    rss_mb = [r["rss_bytes"] / 2**20 for r in rows]
    slope = statistics.linear_regression(minutes, rss_mb).slope
    requests = meta["counts"]["client_requests"]
    print(f"{requests} requests in {args.minutes:.0f} min; locust RSS {rss_mb[0]:.1f} MB -> {rss_mb[-1]:.1f} MB "
          f"(end/start {rss_mb[-1] / rss_mb[0]:.3f}), slope {slope:+.3f} MB/min over {len(rows)} samples")


if __name__ == "__main__":
    main()
