"""Pooling runs: only runs measured in the same environment may be analysed together."""
from __future__ import annotations

from .runs import Run

# What changes the numbers themselves: a different proxy build, core count or machine.
ENVIRONMENT_KEYS = {"traefik version": ("versions", "traefik"), "cpu count": ("host", "cpu_count"),
                    "host": ("host", "hostname")}


class PoolError(ValueError):
    """Runs from different environments were asked to be pooled."""


def environment(run: Run) -> dict:
    return {name: (run.manifest.get(section) or {}).get(key) for name, (section, key) in ENVIRONMENT_KEYS.items()}


def check_poolable(runs: list[Run]) -> dict:
    """The shared environment of `runs`; raises PoolError naming every difference."""
    if not runs:
        raise PoolError("no runs given")
    reference = environment(runs[0])
    differences = []
    for run in runs[1:]:
        env = environment(run)
        differences += [f"{name}: {runs[0].run_id} has {reference[name]!r}, {run.run_id} has {env[name]!r}"
                        for name in ENVIRONMENT_KEYS if env[name] != reference[name]]
    if differences:
        raise PoolError("refusing to pool runs measured in different environments:\n  " + "\n  ".join(differences))
    return reference
