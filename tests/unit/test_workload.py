"""Request bodies and the open-loop schedule; bodies are checked against the backend's own model."""
import sys

import pytest
from pydantic import ValidationError

from harness.paths import BACKEND_DIR
from harness.workload import BodyGenerator, OpenLoopSchedule

sys.path.insert(0, str(BACKEND_DIR))
from app import StudentRecord  # noqa: E402  (the replica's request model)


def test_valid_bodies_validate_and_invalid_ones_do_not():
    bodies = BodyGenerator(seed=1, invalid_share=0.3)
    outcomes = {True: 0, False: 0}
    for _ in range(2000):
        body, valid = bodies.next()
        try:
            StudentRecord(**body)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == valid, body
        outcomes[valid] += 1
    assert 0.27 < outcomes[False] / 2000 < 0.33


def test_bodies_are_reproducible_from_the_seed():
    a, b = BodyGenerator(7, 0.5), BodyGenerator(7, 0.5)
    assert [a.next() for _ in range(50)] == [b.next() for _ in range(50)]


@pytest.mark.parametrize("processes", [1, 3])
def test_open_loop_slots_are_evenly_spaced_across_processes(processes):
    schedules = [OpenLoopSchedule(rate=100, start=10.0, end=12.0, processes=processes, index=i) for i in range(processes)]
    times = []
    for s in schedules:
        while (t := s.next()) is not None:
            times.append(t)
    times.sort()
    assert len(times) == 200
    assert times[0] == 10.0 and all(abs((b - a) - 0.01) < 1e-9 for a, b in zip(times, times[1:]))
