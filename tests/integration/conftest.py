"""Runtimes for the behavioural tests that every runtime must pass."""
from __future__ import annotations

import functools

import pytest

from harness import LocalStack

RUNTIMES = ["local", pytest.param("docker", marks=pytest.mark.docker)]


@pytest.fixture(params=RUNTIMES)
def make_stack(request):
    """Called like LocalStack(...). Docker runs on the host network so all traffic stays on 127.0.0.1."""
    if request.param == "local":
        return LocalStack
    from harness.docker_runtime import DockerStack
    return functools.partial(DockerStack, network_mode="host")
