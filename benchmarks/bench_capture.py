"""What raw per-request capture costs the load generator.

Runs the same closed-loop locustfile with capture on and off, back to back on one stack,
in ABBA order (cancels drift), and prints each pair's throughput and the on/off ratio.
Throughput comes from Traefik's access log, which both modes keep. Target: ratio >= 0.95.

    .venv/bin/python benchmarks/bench_capture.py [--pairs 4] [--seconds 10] [--users 20]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pyarrow.compute as pc

from harness import LocalStack
from harness.load import LoadSpec
from harness.point import run_point


def throughput(point: Path, seconds: float) -> float:
    proxy = pq.read_table(point / "proxy.parquet")
    return pc.sum(pc.invert(proxy["warmup"])).as_py() / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    load = LoadSpec(users=args.users)
    work = Path(tempfile.mkdtemp(prefix="bench-capture-"))
    ratios = []
    with LocalStack(run_dir=work / "stack") as stack:
        for pair in range(args.pairs):
            order = (True, False) if pair % 2 == 0 else (False, True)
            rates = {}
            for capture in order:
                point = work / f"pair{pair}-{'on' if capture else 'off'}"
                run_point(stack, load, args.seconds, 2.0, point, capture=capture)
                rates[capture] = throughput(point, args.seconds)
            ratios.append(rates[True] / rates[False])
            print(f"pair {pair + 1}: capture on {rates[True]:7.0f} req/s, off {rates[False]:7.0f} req/s, "
                  f"ratio {ratios[-1]:.3f}", flush=True)
    print(f"\ncapture on / off throughput: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {len(ratios)} pairs, {args.users} users, "
          f"{args.seconds:.0f} s each)")


if __name__ == "__main__":
    main()
