"""breakerlab harness: start the stack under test, inject faults, drive load, store raw data."""
from .breaker import BreakerConfig, validate_expression
from .docker_runtime import DockerStack
from .errors import BreakerlabError, ConfigError, StackError
from .faults import Fault
from .local_runtime import LocalStack
from .stack import Replica, Stack, stop_all

__all__ = ["BreakerConfig", "BreakerlabError", "ConfigError", "DockerStack", "Fault", "LocalStack", "Replica", "Stack",
           "StackError", "stop_all", "validate_expression"]
