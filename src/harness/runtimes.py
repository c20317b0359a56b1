"""Choose a stack runtime by name."""
from __future__ import annotations

from .errors import ConfigError
from .local_runtime import LocalStack
from .stack import Stack

RUNTIMES = ("local", "docker")


def make_stack(runtime: str, **settings) -> Stack:
    if runtime == "local":
        return LocalStack(**settings)
    if runtime == "docker":  # imported here: the Docker SDK only loads when asked for
        from .docker_runtime import DockerStack
        return DockerStack(**settings)
    raise ConfigError(f"runtime {runtime!r} is not available; use one of {RUNTIMES}")
