"""A short breaker smoke experiment on the local stack, until the sweep lands:

healthy -> one replica answers 500 most of the time (the breaker trips) -> fault cleared (it recovers).

    python -m harness.demo [--phase-seconds 2] [--run-dir DIR]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pandas as pd

from .breaker import BreakerConfig
from .local_runtime import LocalStack
from .paths import RAW_DIR
from .store import new_run_id

VALID_BODY = {"attendance_rate": 0.82, "weekly_study_hours": 9.5, "prior_gpa": 2.9,
              "assignments_completed": 7, "assignments_total": 10}
# One replica in three failing 90% of the time gives a ratio near 0.3 once the healthy
# history has left the breaker's 10 s window.
DEMO_BREAKER = BreakerConfig("ResponseCodeRatio(500, 600, 0, 600) > 0.2",
                             fallback_duration="2s", recovery_duration="2s", response_code=503)


def classify(response: httpx.Response, breaker_code: int) -> str:
    """Breaker rejections come from Traefik itself, so they carry no replica header; Traefik's own
    503 'no available server' (every replica down) is told apart by its body."""
    replica = response.headers.get("x-replica")
    if replica is None:
        own = response.status_code == breaker_code and response.text.strip() != "no available server"
        return "breaker" if own else f"proxy {response.status_code}"
    return "ok" if response.status_code == 200 else f"backend {response.status_code}"


def hammer(client: httpx.Client, url: str, seconds: float, breaker_code: int, until: str | None = None) -> Counter:
    """Send requests one after another for `seconds` (or until an `until` outcome); count outcomes."""
    outcomes: Counter = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and outcomes[until]):
        outcomes[classify(client.post(f"{url}/api/v1/predict", json=VALID_BODY), breaker_code)] += 1
    return outcomes


def run_demo(phase_seconds: float = 2.0, run_dir: str | Path | None = None) -> pd.DataFrame:
    """Outcome counts per phase; Traefik's config and logs go to `run_dir` (default: data/raw/smoke-*)."""
    run_dir = run_dir or RAW_DIR / f"smoke-{new_run_id()}"
    breaker = DEMO_BREAKER
    recovery_wait = 2 + 2 + 0.5  # fallback + recovery + margin
    rows = []
    with LocalStack(breaker=breaker, run_dir=run_dir) as stack, httpx.Client(timeout=10) as client:
        def phase(name: str, seconds: float, until: str | None = None) -> None:
            start = time.monotonic()
            outcomes = hammer(client, stack.entry_url, seconds, breaker.response_code, until)
            rows.append({"phase": name, "seconds": round(time.monotonic() - start, 2),
                         "requests": sum(outcomes.values()), **outcomes})

        phase("healthy", phase_seconds)
        stack.set_fault(0, error_rate=0.9)
        phase("replica-1 answers 500 (p=0.9), until a trip (15 s max)", 15.0, until="breaker")
        stack.clear_faults()
        phase("fault cleared (breaker tripped/recovering)", recovery_wait)
        phase("recovered", phase_seconds)
    table = pd.DataFrame(rows).fillna(0).set_index("phase")
    counts = [c for c in table.columns if c != "seconds"]
    table[counts] = table[counts].astype(int)
    return table


def behaved(table: pd.DataFrame) -> bool:
    """Tripped while the replica failed or just after, and every request answered once recovered."""
    rejected = table["breaker"].iloc[1:3].sum() if "breaker" in table else 0
    return rejected > 0 and table["ok"].iloc[3] == table["requests"].iloc[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase-seconds", type=float, default=2.0)
    parser.add_argument("--run-dir", type=Path, default=None,
                        help=f"where Traefik's config and logs go (default: a new folder under {RAW_DIR})")
    args = parser.parse_args()
    run_dir = args.run_dir or RAW_DIR / f"smoke-{new_run_id()}"
    print(f"breakerlab smoke: Traefik + 3 replicas, breaker `{DEMO_BREAKER.expression}`\n"
          f"Traefik config and logs: {run_dir}")
    try:
        table = run_demo(args.phase_seconds, run_dir)
    except KeyboardInterrupt:
        print("\ninterrupted: the stack is stopped; its logs so far are kept in the folder above")
        return 130
    print(table.to_string())
    if behaved(table):
        print("\nThe breaker tripped and recovered.")
        return 0
    print("\nThe breaker did NOT behave as expected (see the table and the logs above).")
    return 1


if __name__ == "__main__":
    sys.exit(main())
