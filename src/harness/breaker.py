"""Traefik circuit-breaker settings, validated before anything reaches Traefik.

Traefik parses the expression with vulcand/predicate (Go syntax): `&&`, `||`,
comparisons and parentheses over three metric functions. A comparison must be
`metric OP literal`; ratio metrics compare with float literals, latency with ints.
Traefik disables the whole router on an invalid expression, so catch it here.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from .errors import ConfigError

EXAMPLE = "NetworkErrorRatio() > 0.3 || ResponseCodeRatio(500, 600, 0, 600) > 0.25"

# name -> (argument kinds, result kind)
FUNCTIONS = {
    "NetworkErrorRatio": ((), "float"),
    "ResponseCodeRatio": (("int", "int", "int", "int"), "float"),
    "LatencyAtQuantileMS": (("float",), "int"),
}
SIGNATURES = "NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedByFrom, dividedByTo), LatencyAtQuantileMS(quantile)"
COMPARISONS = {">", ">=", "<", "<=", "==", "!="}

_TOKEN = re.compile(
    r"\s*(?:(?P<float>[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|\.[0-9]+)|(?P<int>[0-9]+)"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<op>&&|\|\||>=|<=|==|!=|[<>(),!&|=-]))"
)
_WORD_OPERATORS = {"OR": "||", "or": "||", "AND": "&&", "and": "&&"}


def _error(expression: str, pos: int, problem: str, fix: str | None = None) -> ConfigError:
    pointer = f"\n  {expression}\n  {' ' * pos}^"
    hint = fix or f"for example `{EXAMPLE}`"
    return ConfigError(f"invalid breaker expression: {problem} (at position {pos}){pointer}\n  fix: {hint}")


def _tokenize(expression: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        match = _TOKEN.match(expression, pos)
        if not match:
            start = len(expression) - len(expression[pos:].lstrip())
            raise _error(expression, start, f"unexpected character {expression[start]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind), match.start(kind)))
        _check_literal(expression, tokens[-1])
        pos = match.end()
    return tokens


def _check_literal(expression: str, token: tuple[str, str, int]) -> None:
    """Numbers Go reads differently or cannot hold."""
    kind, text, pos = token
    if kind == "int" and len(text) > 1 and text.startswith("0"):
        raise _error(expression, pos, f"{text} has a leading zero, which Go reads as an octal number",
                     f"write {text.lstrip('0') or '0'}")
    if kind == "int" and int(text) >= 2**63:
        raise _error(expression, pos, f"{text} does not fit Go's int64")
    if kind == "float" and not math.isfinite(float(text)):
        raise _error(expression, pos, f"{text} overflows a float64")


class _Parser:
    """Recursive descent over: or := and ('||' and)*; and := atom ('&&' atom)*;
    atom := '(' or ')' | call OP literal."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        if self.i < len(self.tokens):
            return self.tokens[self.i]
        return ("end", "", len(self.expression))

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.i += 1
        return token

    def fail(self, token, problem: str, fix: str | None = None) -> ConfigError:
        return _error(self.expression, token[2], problem, fix)

    def parse(self) -> None:
        if not self.tokens:
            raise ConfigError(f"invalid breaker expression: it is empty\n  fix: for example `{EXAMPLE}`")
        for token in self.tokens:  # word operators confuse everything after them: name them first
            if token[1] in _WORD_OPERATORS or token[1] in ("!", "NOT", "not"):
                raise self.unexpected(token)
        self.parse_or()
        token = self.peek()
        if token[0] != "end":
            raise self.unexpected(token)

    def parse_or(self) -> None:
        self.parse_and()
        while self.peek()[1] == "||":
            self.take()
            self.parse_and()

    def parse_and(self) -> None:
        self.parse_atom()
        while self.peek()[1] == "&&":
            self.take()
            self.parse_atom()

    def parse_atom(self) -> None:
        token = self.peek()
        if token[1] == "(":
            self.take()
            self.parse_or()
            closing = self.take()
            if closing[1] != ")":
                raise self.fail(closing, "missing ')'")
            return
        result_kind, name = self.parse_call()
        op = self.take()
        if op[1] == "=":
            raise self.fail(op, "'=' is not a comparison", "use '==' (or '>', '>=', '<', '<=', '!=')")
        if op[1] not in COMPARISONS:
            raise self.fail(op, f"{name}() must be compared with a number, e.g. `{_call(name)} > {_sample(result_kind)}`")
        self.parse_literal(result_kind, name, op[1])

    def parse_call(self) -> tuple[str, str]:
        token = self.take()
        kind, text, _ = token
        if kind != "name":
            if kind in ("int", "float"):
                raise self.fail(token, "a comparison must start with the metric, not the number",
                                "write `NetworkErrorRatio() > 0.5`, not `0.5 < NetworkErrorRatio()`")
            raise self.unexpected(token)
        if text not in FUNCTIONS:
            raise self.fail(token, f"unknown function {text!r}", f"use one of {SIGNATURES}")
        arg_kinds, result_kind = FUNCTIONS[text]
        if self.take()[1] != "(":
            raise self.fail(token, f"{text} is a function: call it as {text}(...)")
        for n, want in enumerate(arg_kinds):
            if n and self.take()[1] != ",":
                raise self.fail(self.tokens[self.i - 1], f"{text} takes {len(arg_kinds)} arguments separated by ','",
                                f"write {_call(text)}")
            arg = self.take()
            if arg[0] != want:
                raise self.fail(arg, f"argument {n + 1} of {text} must be {_kind_name(want)} literal, got {arg[1]!r}",
                                f"write {_call(text)}")
        if self.take()[1] != ")":
            raise self.fail(token, f"{text} takes exactly {len(arg_kinds)} argument(s): {_call(text)}")
        return result_kind, text

    def parse_literal(self, want: str, name: str, op: str) -> None:
        token = self.take()
        if token[0] == want:
            return
        if token[0] in ("int", "float"):
            raise self.fail(token, f"{name}() returns {_kind_name(want)}, so Traefik needs {_kind_name(want)} literal here",
                            f"write `{_call(name)} {op} {_convert(token[1], want)}`")
        raise self.fail(token, f"expected a number after {op!r}, got {token[1] or 'the end'!r}")

    def unexpected(self, token) -> ConfigError:
        kind, text, _ = token
        if text in _WORD_OPERATORS:
            return self.fail(token, f"{text!r} is not an operator in Traefik expressions",
                             f"use {_WORD_OPERATORS[text]!r}, e.g. `{EXAMPLE}`")
        if text in ("!", "NOT", "not"):
            return self.fail(token, "negation is not supported", "state the condition directly, e.g. `< 0.5` instead of `!(>= 0.5)`")
        if text in ("&", "|", "="):
            return self.fail(token, f"{text!r} is not an operator", "use '&&', '||' or '=='")
        if kind == "end":
            return self.fail(token, "the expression ends too early")
        return self.fail(token, f"unexpected {text!r}")


def _kind_name(kind: str) -> str:
    return {"float": "a float", "int": "an integer"}[kind]


def _sample(kind: str) -> str:
    return "0.5" if kind == "float" else "100"


def _sample_args(name: str) -> str:
    return {"NetworkErrorRatio": "", "ResponseCodeRatio": "500, 600, 0, 600", "LatencyAtQuantileMS": "50.0"}[name]


def _call(name: str) -> str:
    return f"{name}({_sample_args(name)})"


def _convert(literal: str, kind: str) -> str:
    return str(float(literal)) if kind == "float" else str(int(float(literal)))


def validate_expression(expression: str) -> str:
    """Return the expression stripped, or raise ConfigError saying what is wrong and how to fix it."""
    if not isinstance(expression, str):
        raise ConfigError(f"breaker expression must be a string, got {type(expression).__name__}: {expression!r}")
    if "\n" in expression.strip():
        raise ConfigError("invalid breaker expression: it spans several lines, and Go ends an expression at a "
                          f"line break\n  fix: write it on one line, e.g. `{EXAMPLE}`")
    _Parser(expression.strip()).parse()
    return expression.strip()


_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


MAX_DURATION_S = 1e7  # ~115 days; Go's own limit is ~292 years, but nothing here needs more


def go_duration(value: str | int | float, field: str) -> str:
    """A positive Go duration string; bare numbers are seconds."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"{field} must be a duration such as '10s' or '100ms', got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not _DURATION.match(text):
            raise ConfigError(f"{field}={value!r} is not a Go duration; write e.g. '100ms', '10s' or '1m30s'")
    else:
        text = _format_seconds(value) if math.isfinite(value) and value > 0 else "0s"
    if not 0 < seconds(text) <= MAX_DURATION_S:
        raise ConfigError(f"{field} must be positive and at most {MAX_DURATION_S:.0e} s, got {value!r}; "
                          f"e.g. {field}='10s'")
    return text


def _format_seconds(value: float) -> str:
    """2 -> '2s', 0.25 -> '250ms', 1e-5 -> '0.01ms' (never an exponent: Go rejects it)."""
    if float(value).is_integer():
        return f"{int(value)}s"
    return f"{value * 1000:.6f}".rstrip("0").rstrip(".") + "ms"


def seconds(go_duration: str) -> float:
    """'1m30s' -> 90.0"""
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", go_duration))


_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class BreakerConfig:
    """One circuit-breaker middleware. Validated on construction."""

    expression: str
    check_period: str | float = "100ms"
    fallback_duration: str | float = "10s"
    recovery_duration: str | float = "10s"
    response_code: int = 503

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen dataclass: normalise in place once
        set_(self, "expression", validate_expression(self.expression))
        for field in ("check_period", "fallback_duration", "recovery_duration"):
            set_(self, field, go_duration(getattr(self, field), field))
        code = self.response_code
        if isinstance(code, bool) or not isinstance(code, int) or not 200 <= code <= 599:
            raise ConfigError(f"response_code must be an HTTP status between 200 and 599, got {code!r}; e.g. 503")

    @classmethod
    def unchecked(cls, expression: str, **fields) -> "BreakerConfig":
        """Skip validation: only for probing Traefik's own parser (see the agreement test)."""
        config = object.__new__(cls)
        defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.name != "expression"}
        for name, value in {**defaults, **fields, "expression": expression}.items():
            object.__setattr__(config, name, value)
        return config

    def to_traefik(self) -> dict:
        return {
            "circuitBreaker": {
                "expression": self.expression,
                "checkPeriod": self.check_period,
                "fallbackDuration": self.fallback_duration,
                "recoveryDuration": self.recovery_duration,
                "responseCode": self.response_code,
            }
        }
