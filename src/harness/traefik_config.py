"""Traefik configuration: the static file from the template in stack/traefik, the dynamic
file (router -> breaker -> optional retry -> load-balanced replicas) built here."""
from __future__ import annotations

import json
import os
from pathlib import Path
from string import Template

import yaml

from .breaker import BreakerConfig
from .paths import STACK_DIR

ROUTER, SERVICE, BREAKER, RETRY = "predict", "backend", "breaker", "retry"


def static_config(web_port: int, api_port: int, dynamic_dir: Path, log_path: Path,
                  access_log_path: Path | None, log_level: str = "INFO") -> str:
    template = Template((STACK_DIR / "traefik" / "static.yml").read_text())
    text = template.substitute(web_port=web_port, api_port=api_port, dynamic_dir=json.dumps(str(dynamic_dir)),
                               log_path=json.dumps(str(log_path)), log_level=log_level)
    if access_log_path is not None:  # the per-request proxy record
        text += yaml.safe_dump({"accessLog": {"filePath": str(access_log_path), "format": "json"}})
    return text


def marker_name(generation: int) -> str:
    """An unused middleware whose appearance in the API proves that this file was loaded."""
    return f"breakerlab-generation-{generation}"


def breaker_middlewares(breaker: BreakerConfig | None, generation: int) -> dict:
    middlewares = {marker_name(generation): {"headers": {"customResponseHeaders": {"X-Breakerlab-Generation": str(generation)}}}}
    if breaker is not None:
        middlewares[BREAKER] = breaker.to_traefik()
    return middlewares


def dynamic_config(server_urls: list[str], breaker: BreakerConfig | None, generation: int, retry_attempts: int = 0,
                   health_interval: str = "1s", health_timeout: str = "500ms") -> dict:
    chain = ([BREAKER] if breaker is not None else []) + ([RETRY] if retry_attempts else [])
    middlewares = breaker_middlewares(breaker, generation)
    if retry_attempts:
        middlewares[RETRY] = {"retry": {"attempts": retry_attempts}}
    return {"http": {
        "routers": {ROUTER: {"rule": "PathPrefix(`/`)", "entryPoints": ["web"], "service": SERVICE, "middlewares": chain}},
        "middlewares": middlewares,
        "services": {SERVICE: {"loadBalancer": {
            "servers": [{"url": url} for url in server_urls],
            "healthCheck": {"path": "/health", "interval": health_interval, "timeout": health_timeout},
        }}},
    }}


def write_atomically(path: Path, text: str) -> None:
    """Write next to `path` under a name Traefik ignores, then rename: the provider never sees half a file."""
    tmp = path.parent.parent / f".{path.name}.tmp"
    tmp.write_text(text)
    os.replace(tmp, path)
