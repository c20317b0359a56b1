"""Loopback ports: find free ones, refuse busy ones with a clear error."""
from __future__ import annotations

import socket

from .errors import ConfigError

HOST = "127.0.0.1"


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int, exclude: tuple[int, ...] = ()) -> list[int]:
    """`count` distinct free ports: held open together while chosen, so none repeats."""
    socks = []
    try:
        while len(socks) < count:
            sock = socket.socket()
            sock.bind((HOST, 0))
            if sock.getsockname()[1] in exclude:
                sock.close()
                continue
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def claim(port: int | None, what: str) -> int:
    """`port` if it is free (a free one if None or 0); a ConfigError naming `what` if busy."""
    if not port:
        return free_port()
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{what} must be a TCP port number (1-65535) or None for a free one, got {port!r}")
    if not is_free(port):
        raise ConfigError(f"{what} {HOST}:{port} is already in use; stop what holds it "
                          f"(`ss -ltnp 'sport = :{port}'` shows it) or pass None to pick a free port")
    return port
