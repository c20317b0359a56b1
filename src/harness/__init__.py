"""breakerlab harness: start the stack under test, inject faults, drive load, store raw data."""
from .breaker import BreakerConfig, validate_expression
from .errors import BreakerlabError, ConfigError, StackError
from .faults import Fault
from .local_runtime import LocalStack
from .stack import Replica, Stack, stop_all

__all__ = ["BreakerConfig", "BreakerlabError", "ConfigError", "DockerStack", "Fault", "LocalStack", "Replica", "Stack",
           "StackError", "stop_all", "validate_expression"]


def __getattr__(name: str):
    # Lazy: `python -m harness.docker_runtime` must not find its module imported already, and a
    # local-only user does not load the Docker SDK.
    if name == "DockerStack":
        from .docker_runtime import DockerStack
        return DockerStack
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
