"""Run one replica: the prediction API and its control API on two loopback ports.

    python serve.py --name replica-1 --port 8001 --control-port 9001 [--fault JSON]

One uvicorn server listens on both sockets. The `refuse` fault closes the API
socket (connections are then refused, as for a dead process) while the control
socket stays open, and reopens it when the fault is cleared.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import socket

import uvicorn

from app import Fault, ReplicaState, make_app


def listening_socket(host: str, port: int) -> socket.socket:
    # proto IPPROTO_TCP (not 0) so asyncio sets TCP_NODELAY on accepted connections (else +40 ms delayed ACKs)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class ApiListener:
    """Opens and closes the API socket of a running uvicorn server."""

    def __init__(self, server: uvicorn.Server, host: str, port: int) -> None:
        self.server, self.host, self.port = server, host, port

    def _api_servers(self):
        return [s for s in self.server.servers if s.sockets and s.sockets[0].getsockname()[1] == self.port]

    async def set_refusing(self, refuse: bool) -> None:
        open_servers = self._api_servers()
        if refuse:
            for s in open_servers:
                s.close()
                self.server.servers.remove(s)
            for conn in list(self.server.server_state.connections):
                sockname = conn.transport.get_extra_info("sockname") if conn.transport else None
                if sockname and sockname[1] == self.port:
                    conn.transport.abort()  # a dead process would drop kept-alive connections too
        elif not open_servers:
            config = self.server.config
            protocol = functools.partial(
                config.http_protocol_class,
                config=config,
                server_state=self.server.server_state,
                app_state=self.server.lifespan.state,
            )
            sock = listening_socket(self.host, self.port)
            reopened = await asyncio.get_running_loop().create_server(protocol, sock=sock, backlog=config.backlog)
            self.server.servers.append(reopened)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=os.environ.get("REPLICA_NAME", socket.gethostname()))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--control-port", type=int, default=9000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault", default=os.environ.get("REPLICA_FAULT", "{}"), help="start-up fault as JSON")
    args = parser.parse_args()

    state = ReplicaState(args.name, args.seed, Fault(**json.loads(args.fault)))
    config = uvicorn.Config(
        make_app(state, args.control_port),
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    state.listener = ApiListener(server, args.host, args.port)
    sockets = [listening_socket(args.host, args.control_port)]
    if not state.fault.refuse:
        sockets.append(listening_socket(args.host, args.port))
    if state.fault.crash:
        raise SystemExit(70)
    server.run(sockets=sockets)


if __name__ == "__main__":
    main()
