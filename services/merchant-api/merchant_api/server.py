"""Runs merchant-api: one uvicorn server for the API and, when CHAOS_ENABLED=true, a second one
for the admin app, in ONE process with ONE worker (see services/README.md, "Python and workers").

Sockets are bound here, before uvicorn starts, so PORT=0 works and the actual ports can be
printed in the same JSON "listening" line the Node services print.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from typing import Iterator

import uvicorn

from .app import create_service
from .config import EnvError, load_settings


class _Server(uvicorn.Server):
    """uvicorn.Server without its own signal capture: two servers share one process, so the
    process handles SIGTERM/SIGINT once and stops both (uvicorn would re-raise the signal)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A bound (not yet listening) TCP socket; uvicorn/asyncio start listening on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise OSError(f"merchant-api: cannot bind {host}:{port}: {err}") from err
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve() -> None:
    service = create_service(load_settings(os.environ))
    s = service.settings
    targets = [(service.app, bind(s.host, s.port))]
    if service.admin is not None:
        targets.append((service.admin, bind(s.admin_host, s.admin_port)))
    servers = [
        _Server(uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning", http="httptools",
                               loop="none", timeout_keep_alive=65, server_header=False))
        for app, _ in targets
    ]
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, (_, sock) in zip(servers, targets)]

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda sig=sig: _stop(servers, sig))

    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            break  # a server failed to start: gather below re-raises its error
        await asyncio.sleep(0.01)
    if all(server.started for server in servers):
        print(json.dumps({
            "event": "listening", "service": s.service_name, "url": _url(targets[0][1]),
            "adminUrl": _url(targets[1][1]) if len(targets) > 1 else None, "metrics": service.registry is not None,
            "memoryLimitBytes": service.limits.memory_bytes, "memoryLimitSource": service.limits.memory_source,
            "cpuLimitCores": service.limits.cpu_cores, "cpuLimitSource": service.limits.cpu_source, "workers": 1,
        }), flush=True)
    await asyncio.gather(*tasks)


def _stop(servers: list[uvicorn.Server], sig: int) -> None:
    print(json.dumps({"event": "stopping", "service": "merchant-api", "signal": signal.Signals(sig).name}), flush=True)
    for server in servers:
        server.should_exit = True


def main() -> int:
    try:
        import uvloop

        uvloop.run(serve())
    except EnvError as err:
        print(str(err), file=sys.stderr)
        return 2
    except OSError as err:
        print(str(err), file=sys.stderr)
        return 1
    return 0
