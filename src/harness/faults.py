"""Faults a replica can be told to have, mirrored from stack/backend/app.py:Fault
(a test keeps the two in step). Sent to a replica's control port as JSON."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from .errors import ConfigError

SCOPES = ("predict", "health", "all")


@dataclass(frozen=True)
class Fault:
    """Errors, latency and hang apply to the routes in `scope`; refuse and crash to the whole replica.

    error_rate: share of requests answered with `error_status` (0..1).
    latency_ms, jitter_ms: added delay, fixed plus uniform(0, jitter).
    hang: accept the request and never answer (until the fault is cleared).
    refuse: close the listening socket (connection refused), keep the process.
    crash: the process exits at once.
    """

    error_rate: float = 0.0
    error_status: int = 500
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    hang: bool = False
    refuse: bool = False
    crash: bool = False
    scope: str = "predict"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "bool" and not isinstance(value, bool):
                raise ConfigError(f"Fault.{f.name} must be True or False, got {value!r}")
            if f.type in ("float", "int") and (isinstance(value, bool) or not isinstance(value, (int, float))
                                                or not math.isfinite(value)):
                raise ConfigError(f"Fault.{f.name} must be a finite number, got {value!r}")
        if not isinstance(self.error_status, int):
            raise ConfigError(f"Fault.error_status must be an integer status, got {self.error_status!r}; e.g. 500")
        if not 0 <= self.error_rate <= 1:
            raise ConfigError(f"Fault.error_rate must be between 0 and 1, got {self.error_rate!r}; e.g. error_rate=0.9")
        if not 400 <= self.error_status <= 599:
            raise ConfigError(f"Fault.error_status must be a 4xx or 5xx status, got {self.error_status!r}; e.g. 500")
        for name in ("latency_ms", "jitter_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"Fault.{name} must be >= 0, got {getattr(self, name)!r}")
        if self.scope not in SCOPES:
            raise ConfigError(f"Fault.scope must be one of {SCOPES}, got {self.scope!r}")

    @classmethod
    def of(cls, value: "Fault | dict | None") -> "Fault":
        """Accept a Fault, a dict of its fields (as in YAML parameters) or None (healthy)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {f.name for f in fields(cls)}
            if unknown:
                raise ConfigError(f"unknown fault field(s) {sorted(unknown)}; known: {[f.name for f in fields(cls)]}")
            return cls(**value)
        raise ConfigError(f"a fault must be a Fault, a dict or None, got {value!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def healthy(self) -> bool:
        return self == Fault()
