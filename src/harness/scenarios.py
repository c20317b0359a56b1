"""Fault scenarios: named presets and explicit time schedules of faults during a point.

Times are seconds after the load starts (warm-up included), so a schedule can set a
fault mid-measurement and the analysis can measure time-to-trip and time-to-recover.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .errors import BreakerlabError, ConfigError
from .faults import Fault

ACTIONS = ("set", "clear", "restart")
AHEAD_S = 0.25
TARGETS = ("proxy", "direct")


@dataclass(frozen=True)
class FaultStep:
    at_s: float
    replica: int
    action: str = "set"
    fault: Fault | None = None

    @classmethod
    def of(cls, value: "FaultStep | dict") -> "FaultStep":
        if isinstance(value, FaultStep):
            return value
        if not isinstance(value, dict) or "at_s" not in value or "replica" not in value:
            raise ConfigError(f"a schedule step needs at_s and replica, e.g. "
                              f"{{'at_s': 2, 'replica': 0, 'fault': {{'error_rate': 1.0}}}}; got {value!r}")
        action = value.get("action", "set")
        if action not in ACTIONS:
            raise ConfigError(f"schedule step action must be one of {ACTIONS}, got {action!r}")
        at_s, replica = value["at_s"], value["replica"]
        if isinstance(at_s, bool) or not isinstance(at_s, (int, float)) or not 0 <= at_s < float("inf"):
            raise ConfigError(f"schedule step at_s must be a number of seconds >= 0, got {at_s!r}")
        if isinstance(replica, bool) or not isinstance(replica, int):
            raise ConfigError(f"schedule step replica must be a replica index (0 for replica-1), got {replica!r}")
        fault = Fault.of(value.get("fault")) if action == "set" else None
        return cls(float(at_s), replica, action, fault)


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[FaultStep, ...] = ()
    target: str = "proxy"  # "direct": the load goes to replica-1 itself, no proxy in the way
    description: str = ""


def _every(period: float, total: float) -> list[float]:
    return [k * period for k in range(int(total // period) + 1) if k * period < total]


def _presets(total_s: float) -> dict[str, Scenario]:
    third = total_s / 3
    down, errors = Fault(refuse=True), Fault(error_rate=0.9, error_status=500)
    presets = {
        "healthy": Scenario("healthy", description="no fault"),
        "one-replica-down": Scenario("one-replica-down", (FaultStep(0, 0, "set", down),),
                                     description="replica-1 refuses connections"),
        "one-replica-errors": Scenario("one-replica-errors", (FaultStep(0, 0, "set", errors),),
                                       description="replica-1 answers 500 to 90% of predictions"),
        "one-replica-slow": Scenario("one-replica-slow", (FaultStep(0, 0, "set", Fault(latency_ms=200, jitter_ms=50)),),
                                     description="replica-1 adds 200-250 ms"),
        "one-replica-hang": Scenario("one-replica-hang", (FaultStep(0, 0, "set", Fault(hang=True, scope="all")),),
                                     description="replica-1 accepts and never answers"),
        "brownout": Scenario("brownout", tuple(
            FaultStep(round(k * third, 3), r, "set", Fault(latency_ms=ms, jitter_ms=ms / 4, scope="all"))
            for k, ms in enumerate((20, 100, 400)) for r in range(3)),
            description="every replica slows down: +20, +100, then +400 ms"),
        "flapping": Scenario("flapping", tuple(
            FaultStep(round(t, 3), 0, "set" if k % 2 == 0 else "clear", down if k % 2 == 0 else None)
            for k, t in enumerate(_every(2.0, total_s))),
            description="replica-1 refuses connections for 2 s, then serves for 2 s, repeatedly"),
        "crash-restart": Scenario("crash-restart", (FaultStep(round(third, 3), 0, "set", Fault(crash=True)),
                                                    FaultStep(round(2 * third, 3), 0, "restart")),
                                  description="replica-1's process exits a third of the way in, restarts at two thirds"),
        "baseline-direct": Scenario("baseline-direct", target="direct",
                                    description="no proxy: the load goes straight to replica-1"),
        # The original experiment (2025-06-27): one backend, no proxy, failing; then Traefik + breaker
        # + 3 replicas with one replica down. The original's failure cause is not documented:
        # refused connections ("connection refused errors") is the one its changelog names.
        "seed-2025-06-27-baseline": Scenario("seed-2025-06-27-baseline", (FaultStep(0, 0, "set", down),),
                                             target="direct",
                                             description="original baseline: one backend, no proxy, refusing connections"),
        "seed-2025-06-27-traefik": Scenario("seed-2025-06-27-traefik", (FaultStep(0, 0, "set", down),),
                                            description="original fix: Traefik + breaker + 3 replicas, one down"),
    }
    return presets


ALIASES = {"seed-2025-06-27": ("seed-2025-06-27-baseline", "seed-2025-06-27-traefik")}
PRESET_NAMES = tuple(_presets(1.0))


def expand_names(entries: list) -> list:
    """Aliases (e.g. seed-2025-06-27) become the scenarios they stand for."""
    out = []
    for entry in entries:
        out.extend(ALIASES.get(entry, (entry,)) if isinstance(entry, str) else (entry,))
    return out


def scenario(entry: str | dict, total_s: float, replicas: int) -> Scenario:
    """A preset by name, or an explicit schedule {'name', 'steps': [...], 'target'}."""
    if isinstance(entry, str):
        if entry not in PRESET_NAMES:
            raise ConfigError(f"unknown fault scenario {entry!r}; known: {', '.join(PRESET_NAMES + tuple(ALIASES))}, "
                              "or a schedule dict {'name': ..., 'steps': [{'at_s': 2, 'replica': 0, 'fault': {...}}]}")
        result = _presets(total_s)[entry]
    elif isinstance(entry, dict) and "name" in entry:
        target = entry.get("target", "proxy")
        if target not in TARGETS:
            raise ConfigError(f"scenario {entry['name']!r}: target must be one of {TARGETS}, got {target!r}")
        steps = tuple(sorted((FaultStep.of(s) for s in entry.get("steps", [])), key=lambda s: s.at_s))
        result = Scenario(str(entry["name"]), steps, target, entry.get("description", "explicit schedule"))
    else:
        raise ConfigError(f"a scenario is a preset name or a dict with 'name' and 'steps', got {entry!r}")
    if late := [s.at_s for s in result.steps if s.at_s >= total_s]:
        raise ConfigError(f"scenario {result.name!r} has steps at {late} s, after the point ends "
                          f"(warm-up + duration = {total_s:g} s)")
    if any(not 0 <= s.replica < replicas for s in result.steps):
        raise ConfigError(f"scenario {result.name!r} needs replicas 0..{max(s.replica for s in result.steps)} "
                          f"but the stack has {replicas}")
    return result


class FaultScheduler:
    """Applies a scenario's steps on time in a thread; records when each really happened."""

    def __init__(self, stack, steps: tuple[FaultStep, ...], start_at: float) -> None:
        self.stack, self.steps, self.start_at = stack, steps, start_at
        self.events: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-scheduler", daemon=True)

    def __enter__(self) -> "FaultScheduler":
        if self.steps:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        for step in self.steps:
            # A step at 0 s goes in just before the first request, not with it (it would race the
            # first connections) and not long before (the proxy's reaction belongs to the point).
            due = self.start_at + step.at_s if step.at_s > 0 else self.start_at - AHEAD_S
            if self._stop.wait(max(0.0, due - time.time())):
                return
            self._apply(step)

    def _apply(self, step: FaultStep) -> None:
        event = {"at_s": step.at_s, "replica": self.stack.replicas[step.replica].name, "action": step.action,
                 "fault": step.fault.to_json() if step.fault else None}
        try:
            if step.action == "set":
                self.stack.set_fault(step.replica, step.fault)
            elif step.action == "clear":
                self.stack.set_fault(step.replica, None)
            else:
                self.stack.restart_replica(step.replica)
        except BreakerlabError as exc:
            event["error"] = str(exc)
        self.events.append({"t_s": time.time(), **event})
