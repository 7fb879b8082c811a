"""Running the ICAP server: in the foreground until interrupted (the CLI), or on a thread of its own.

The thread form gives tests and benchmarks a real server on a free loopback port inside
their own process, with its own event loop, that they stop when done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import replace
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from service.gateway.icap.config import IcapConfig
from service.gateway.icap.server import IcapServer
from service.gateway.inspect import Inspector

log = logging.getLogger("service.gateway.icap")


def _start_metrics(config: IcapConfig) -> WSGIServer | None:
    """The metrics listener, when one is configured (stopped with ``shutdown()``)."""
    if config.metrics_port is None:
        return None
    server, _ = start_http_server(config.metrics_port, addr=config.host)
    return server


def serve(inspector: Inspector, config: IcapConfig) -> None:
    """Serve ICAP on ``config.host:config.port`` until the process is interrupted."""
    _start_metrics(config)

    async def main() -> None:
        server = IcapServer(inspector, config)
        await server.start()
        log.info("icap server listening on %s:%s (ISTag %s)", config.host, server.port, server.tag)
        try:
            await asyncio.Event().wait()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class BackgroundServer:
    """An ICAP server on a thread with its own event loop; ``port`` is where it listens."""

    def __init__(self, inspector: Inspector, config: IcapConfig) -> None:
        self.config = config
        self.server = IcapServer(inspector, config)
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="icap-server", daemon=True)
        self._metrics: WSGIServer | None = None

    @property
    def port(self) -> int:
        return self.server.port

    def start(self) -> BackgroundServer:
        self._metrics = _start_metrics(self.config)
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            raise self._failure
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as error:  # handed to the starting thread
            self._failure = error
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.close())
        self._loop.close()

    def stop(self) -> None:
        if self._metrics is not None:
            self._metrics.shutdown()
            self._metrics.server_close()
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


def start_in_thread(inspector: Inspector, config: IcapConfig | None = None) -> BackgroundServer:
    """A started server; by default on a free port of 127.0.0.1."""
    return BackgroundServer(inspector, config or replace(IcapConfig(), port=0)).start()
