"""What the simulated users send and when: request bodies and the open-loop schedule.

Pure logic, shared by the locustfile (which runs inside Locust's gevent world) and tests.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


def valid_body(rng: random.Random) -> dict:
    total = rng.randint(5, 30)
    return {
        "attendance_rate": round(rng.betavariate(5, 1.5), 3),
        "weekly_study_hours": round(rng.uniform(0, 25), 1),
        "prior_gpa": round(rng.uniform(1.0, 4.0), 2),
        "assignments_completed": rng.randint(0, total),
        "assignments_total": total,
    }


def _missing_field(body: dict, rng: random.Random) -> dict:
    body.pop(rng.choice(sorted(body)))
    return body


# Each turns a valid body into one the API must answer with 422.
INVALID_MUTATIONS = [
    lambda b, rng: {**b, "attendance_rate": round(rng.uniform(1.01, 2.0), 2)},
    lambda b, rng: {**b, "weekly_study_hours": -round(rng.uniform(0.1, 5), 1)},
    lambda b, rng: {**b, "prior_gpa": round(rng.uniform(4.01, 5.0), 2)},
    lambda b, rng: {**b, "assignments_completed": b["assignments_total"] + rng.randint(1, 5)},
    lambda b, rng: {**b, "prior_gpa": "excellent"},
    _missing_field,
]


class BodyGenerator:
    """A seeded stream of (body, is_valid); `invalid_share` of them must get 422."""

    def __init__(self, seed: str | int, invalid_share: float) -> None:
        self.rng = random.Random(seed)
        self.invalid_share = invalid_share

    def next(self) -> tuple[dict, bool]:
        body = valid_body(self.rng)
        if self.rng.random() < self.invalid_share:
            return self.rng.choice(INVALID_MUTATIONS)(body, self.rng), False
        return body, True


@dataclass
class OpenLoopSchedule:
    """Intended send times at `rate` req/s over [start, end), split across `processes`.

    Process i takes every processes-th slot, offset by i, so the processes together
    send evenly spaced requests whatever the response times (no coordinated omission).
    """

    rate: float
    start: float
    end: float
    processes: int = 1
    index: int = 0
    _k: int = 0

    def next(self) -> float | None:
        t = self.start + (self._k * self.processes + self.index) / self.rate
        self._k += 1
        return t if t < self.end else None
