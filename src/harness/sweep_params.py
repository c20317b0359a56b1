"""Sweep parameters as the notebook and YAML files give them, checked before anything starts.

Every error names the parameter. Lists given as strings (papermill's `-p users '[1, 2]'`)
are parsed as YAML; a single value where a list is expected becomes a one-item list.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from .breaker import BreakerConfig
from .errors import ConfigError
from .load import MODES, LoadSpec
from .paths import PROJECT_DIR, RAW_DIR
from .runtimes import RUNTIMES
from .scenarios import expand_names, scenario


NO_BREAKER = ("none", "None", "", None)
RUN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass
class SweepParams:
    """Defaults are a smoke run of under a minute, the same as notebooks/01_sweep.ipynb's (a test checks)."""

    run_id: str | None = None
    runtime: str = "local"
    replicas: int = 3
    breakers: list = field(default_factory=lambda: ["ResponseCodeRatio(500, 600, 0, 600) > 0.25", "none"])
    breaker_metric: str | None = None  # with breaker_thresholds: "<metric> > <threshold>" for each
    breaker_thresholds: list = field(default_factory=list)
    check_period: str = "100ms"
    fallback_duration: str = "2s"
    recovery_duration: str = "2s"
    response_code: int = 503
    retry_attempts: int = 0
    scenarios: list = field(default_factory=lambda: ["one-replica-errors"])
    load_mode: str = "closed"
    users: list = field(default_factory=lambda: [2])
    rates: list = field(default_factory=list)
    think_time_s: float = 0.0
    invalid_share: float = 0.0
    generator_processes: int = 1
    duration_s: float = 2.0
    warmup_s: float = 0.5
    repetitions: int = 1
    randomize: bool = False
    seed: int = 0
    output_root: str | None = None  # None: data/raw (or $BREAKERLAB_DATA_DIR/raw)

    @classmethod
    def of(cls, values: "SweepParams | dict") -> "SweepParams":
        if isinstance(values, cls):
            return values
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown sweep parameter(s) {unknown}; known: {sorted(known)}")
        return cls(**values)

    def __post_init__(self) -> None:
        for name in ("breakers", "breaker_thresholds", "scenarios", "users", "rates"):
            setattr(self, name, _as_list(name, getattr(self, name)))
        _check(self.runtime in RUNTIMES, "runtime", self.runtime, f"one of {RUNTIMES}")
        _check(isinstance(self.randomize, bool), "randomize", self.randomize, "true or false")
        _check(_is_int(self.seed), "seed", self.seed, "an integer")
        _check(self.output_root is None or isinstance(self.output_root, str), "output_root", self.output_root,
               "a folder path or None")
        for name in ("duration_s", "warmup_s", "think_time_s", "invalid_share"):
            value = getattr(self, name)
            _check(_is_number(value), name, value, "a finite number")
        _check(self.load_mode != "closed" or not self.rates, "rates", self.rates,
               "empty with load_mode='closed' (rates are for 'open'; set users instead)")
        _check(self.load_mode != "open" or self._is_default("users"), "users", self.users,
               "left out with load_mode='open' (the rates set the load)")
        _check(not self.breaker_metric or self._is_default("breakers"), "breakers", self.breakers,
               "left out when breaker_metric and breaker_thresholds are given")
        for name in ("users", "rates", "breakers", "breaker_thresholds"):
            values = [repr(v) for v in getattr(self, name)]
            _check(len(values) == len(set(values)), name, getattr(self, name), "no repeated values")
        _check(_is_int(self.replicas) and self.replicas >= 1, "replicas", self.replicas, "an integer >= 1")
        _check(self.load_mode in MODES, "load_mode", self.load_mode, f"one of {MODES}")
        levels = self.users if self.load_mode == "closed" else self.rates
        _check(bool(levels), "users" if self.load_mode == "closed" else "rates", levels,
               "a non-empty list (users for load_mode='closed', rates for 'open')")
        for value in self.users:
            _check(_is_int(value) and value >= 1, "users", value, "integers >= 1, e.g. [1, 5, 20]")
        for value in self.rates:
            _check(_is_number(value) and value > 0, "rates", value, "numbers > 0 (requests/s)")
        _check(self.duration_s > 0, "duration_s", self.duration_s, "> 0 seconds")
        _check(self.warmup_s >= 0, "warmup_s", self.warmup_s, ">= 0 seconds")
        _check(_is_int(self.repetitions) and self.repetitions >= 1, "repetitions", self.repetitions, "an integer >= 1")
        _check(_is_int(self.retry_attempts) and self.retry_attempts >= 0, "retry_attempts", self.retry_attempts, "an integer >= 0")
        _check(self.run_id is None or (isinstance(self.run_id, str) and RUN_ID.fullmatch(self.run_id) is not None),
               "run_id", self.run_id, "None (a new run) or a folder name of letters, digits, '.', '_', '-' "
               "(not starting with '.')")
        root = self.output_dir()
        _check(not root.exists() or root.is_dir(), "output_root", self.output_root, "a folder (or None for data/raw)")
        self.breaker_configs()  # expressions and breaker fields
        self.scenario_entries()  # names and schedules
        self.load_specs()  # the load settings

    def _is_default(self, name: str) -> bool:
        return getattr(self, name) == self.__dataclass_fields__[name].default_factory()

    # --- derived, each checked --------------------------------------------------------------
    def breaker_configs(self) -> list[tuple[str, BreakerConfig | None, float | None]]:
        """(label, config or None, threshold) for each breaker setting of the grid."""
        if self.breaker_metric:
            _check(bool(self.breaker_thresholds), "breaker_thresholds", self.breaker_thresholds,
                   "a non-empty list when breaker_metric is set")
            entries = [(t, None) if t in NO_BREAKER else (f"{self.breaker_metric} > {t}", t)
                       for t in self.breaker_thresholds]
        else:
            _check(bool(self.breakers), "breakers", self.breakers, "a non-empty list of expressions (or 'none')")
            entries = [(e, None) for e in self.breakers]
        configs = []
        for expression, threshold in entries:
            if expression in NO_BREAKER:
                configs.append(("none", None, None))
                continue
            try:
                config = BreakerConfig(expression, self.check_period, self.fallback_duration,
                                       self.recovery_duration, self.response_code)
            except ConfigError as exc:
                raise ConfigError(f"parameter {'breaker_thresholds' if threshold is not None else 'breakers'}: {exc}") from None
            configs.append((_short_label(config.expression), config, threshold))
        return configs

    def scenario_entries(self) -> list:
        entries = expand_names(self.scenarios)
        _check(bool(entries), "scenarios", self.scenarios, "a non-empty list, e.g. ['healthy', 'one-replica-errors']")
        names = []
        for entry in entries:
            try:
                names.append(scenario(entry, self.warmup_s + self.duration_s, self.replicas).name)
            except ConfigError as exc:
                raise ConfigError(f"parameter scenarios: {exc}") from None
        _check(len(names) == len(set(names)), "scenarios", self.scenarios, "scenarios with distinct names")
        return entries

    def load_specs(self) -> list[LoadSpec]:
        levels = self.users if self.load_mode == "closed" else self.rates
        specs = []
        for level in levels:
            users, rate = (level, None) if self.load_mode == "closed" else (None, level)
            try:
                specs.append(LoadSpec(self.load_mode, users, rate, self.think_time_s, self.invalid_share,
                                      self.generator_processes, self.seed))
            except ConfigError as exc:
                raise ConfigError(f"load parameters: {exc}") from None
        return specs

    def output_dir(self) -> Path:
        if not self.output_root:
            return RAW_DIR
        path = Path(self.output_root)
        return path if path.is_absolute() else PROJECT_DIR / path

    def to_dict(self) -> dict:
        return asdict(self)


def _short_label(expression: str) -> str:
    """'ResponseCodeRatio(500, 600, 0, 600) > 0.25' stays readable in figure legends."""
    return " ".join(expression.split())


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(ok: bool, name: str, value, expected: str) -> None:
    if not ok:
        raise ConfigError(f"parameter {name}={value!r} is invalid: expected {expected}")


def _as_list(name: str, value) -> list:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = yaml.safe_load(stripped)
            except yaml.YAMLError as exc:
                raise ConfigError(f"parameter {name}={value!r} looks like a list but does not parse: {exc}") from None
        else:
            value = [value]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    elif value is None:
        value = []
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"parameter {name} must be a list, got {value!r}; in papermill use -y or a YAML file (-f)")
    return list(value)

