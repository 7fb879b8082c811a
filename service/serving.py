"""How gunicorn runs the app: greenlets hold connections, a few real threads run the application.

A connection costs a greenlet, not a thread, so clients that send their headers or their body
slowly cannot take every worker: the gevent hub keeps reading the others. Time-outs bound what a
slow client may hold (``header_timeout`` for the request line and headers, ``body_timeout`` for
the body). Once the whole body has been read, the request runs on one of ``threads`` real threads,
so a long classification does not stop the hub: health checks, other connections and the
worker's heartbeat go on. The heartbeat stops at the start of the oldest request still running,
so gunicorn's worker time-out still kills a worker stuck in one request, as with sync workers.
A worker whose threads are all busy stops accepting connections until one is free, so that
requests go to the workers that can run them.

This module imports gevent; it is loaded by gunicorn only (``worker_class``), never by the engine.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import itertools
import json
import logging
import os
import resource
import socket
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import gevent
from gevent import monkey
from gevent import socket as green_socket
from gevent.pool import Pool
from gevent.server import StreamServer
from gevent.threadpool import ThreadPool
from gunicorn.workers.ggevent import GeventWorker

from service.api.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE
from service.config import Settings

logger = logging.getLogger("dlp.serving")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
READ_CHUNK = 64 * 1024

# Settings the master loaded (gunicorn.conf.py records them); workers are forked with them.
_settings: Settings | None = None
# The gunicorn request being served by the current greenlet, so the body reader can close its connection.
_current_request: contextvars.ContextVar[Any] = contextvars.ContextVar("dlp_gunicorn_request", default=None)


def remember_settings(settings: Settings) -> None:
    global _settings
    _settings = settings


def remembered_settings() -> Settings | None:
    return _settings


class BodyTimeout(Exception):
    """The client did not send its whole body within ``body_timeout``."""


class Worker(GeventWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's gevent worker, with the application run on a pool of real threads."""

    sockets: list[Any]
    wsgi: WsgiApp

    def patch(self) -> None:
        # Threads stay real: the application runs on them and uses real locks (metrics, logging,
        # Hyperscan scratch per thread); sockets, sleeps and selects become cooperative.
        monkey.patch_all(thread=False)
        self.sockets = [
            green_socket.socket(listener.FAMILY, socket.SOCK_STREAM, fileno=listener.sock.detach())
            for listener in self.sockets
        ]

    def load_wsgi(self) -> None:
        super().load_wsgi()
        settings = _settings
        if settings is None:
            raise RuntimeError("service.serving.Worker runs under service/gunicorn.conf.py only")
        self.pool = ThreadPool(self.cfg.threads)
        self.running: dict[int, float] = {}
        self.wsgi = ThreadedApp(self.wsgi, self, settings.max_body_bytes, settings.body_timeout)
        # Signals are handled from here on (gunicorn installs its handlers before loading the app).
        self.log.info(
            "worker %s ready: %d threads, %d connections", self.pid, self.cfg.threads, self.worker_connections
        )

    def run(self) -> None:
        if self.cfg.is_ssl:
            raise RuntimeError("service.serving.Worker serves plain HTTP; terminate TLS at the reverse proxy")
        self.servers: list[Any] = []
        for listener in self.sockets:
            listener.setblocking(1)
            server = StreamServer(
                listener, handle=functools.partial(self.handle, listener), spawn=Pool(self.worker_connections)
            )
            server.max_accept = 1  # take one connection at a time, so the workers share them
            server.start()
            self.servers.append(server)
        while self.alive:
            self.notify()
            gevent.sleep(1.0)
        for server in self.servers:
            server.close()  # no new connections; those held finish their requests
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(s.pool.free_count() != s.pool.size for s in self.servers):
            self.notify()
            gevent.sleep(0.5)
        for server in self.servers:
            server.stop(timeout=1)

    def threads_taken(self) -> None:
        # Every thread is busy: let the other workers accept new connections meanwhile, or the
        # greenlets would queue requests here while another worker's CPU sits idle.
        if len(self.running) >= self.cfg.threads:
            for server in self.servers:
                server.stop_accepting()

    def thread_freed(self) -> None:
        if self.alive and len(self.running) < self.cfg.threads:
            for server in self.servers:
                if not server.closed:
                    server.start_accepting()

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        token = _current_request.set(req)
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            _current_request.reset(token)

    def notify(self) -> None:
        super().notify()
        if self.running:
            # Report the worker alive only up to the start of its oldest request: the arbiter then
            # kills it `timeout` seconds after that request began, as it would a sync worker.
            stamp = min(self.running.values())
            os.utime(self.tmp.fileno(), (stamp, stamp))


class ThreadedApp:
    """Reads the body on the greenlet (bounded in size and time), then runs the app on a thread."""

    def __init__(self, app: WsgiApp, worker: Worker, max_body_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.worker = worker
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._ids = itertools.count()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            complete = buffer_body(environ, self.max_body_bytes, self.body_timeout)
        except BodyTimeout:
            close_connection()
            return request_timeout(start_response, self.body_timeout)
        if not complete:
            # Bytes are left on the connection: do not read them to find a next request.
            close_connection()
        request_id = next(self._ids)
        # gunicorn compares heartbeats with time.monotonic(); so does notify() above.
        self.worker.running[request_id] = time.monotonic()
        self.worker.threads_taken()
        try:
            chunks: list[bytes] = self.worker.pool.apply(self._run, (environ, start_response))
        finally:
            del self.worker.running[request_id]
            self.worker.thread_freed()
        return chunks

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # The whole answer is produced on the thread: a lazy body would otherwise run on the hub.
        result = self.app(environ, start_response)
        try:
            return list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


def buffer_body(environ: dict[str, Any], limit: int, timeout: float) -> bool:
    """Replace ``wsgi.input`` by the body read into memory, at most ``limit`` + 1 bytes.

    A declared length above ``limit`` is not read at all (the app answers 413 on the length);
    a chunked body is read up to ``limit`` + 1 bytes, and its length is then declared so the app
    answers 413 the same way. Returns False when bytes of the body were left unread.
    """
    declared = environ.get("CONTENT_LENGTH")
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked:
        try:
            length = int(declared) if declared else 0
        except ValueError:
            return False  # gunicorn refuses such a request before the app; nothing to read
        if length > limit:
            environ["wsgi.input"] = io.BytesIO()
            return False
        wanted = length
    else:
        wanted = limit + 1
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    received = 0
    with gevent.Timeout(timeout, BodyTimeout):
        while received < wanted:
            chunk = stream.read(min(READ_CHUNK, wanted - received))
            if not chunk:
                break
            parts.append(chunk)
            received += len(chunk)
    body = b"".join(parts)
    parts.clear()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False
    return not (chunked and received > limit)


def close_connection() -> None:
    request = _current_request.get()
    if request is not None:
        request.must_close = True


def request_timeout(start_response: Callable[..., Any], seconds: float) -> list[bytes]:
    body = json.dumps(
        {
            "type": TYPE_BASE + "request-timeout",
            "title": "Request Timeout",
            "status": 408,
            "detail": f"The request body was not received within {seconds:g} seconds.",
        }
    ).encode()
    start_response(
        "408 Request Timeout",
        [("Content-Type", PROBLEM_MEDIA_TYPE), ("Content-Length", str(len(body)))],
    )
    return [body]


# -- memory ---------------------------------------------------------------------------------


def rss_megabytes() -> float:
    """This process's resident memory now (Linux), or its peak where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def enforce_memory_ceiling(worker: Any, ceiling_mb: int) -> None:
    """After a request: a worker above the ceiling finishes what it holds and is replaced.

    Python seldom gives freed memory back to the system, so a worker that once held a large
    document stays large; a fresh worker forked from the master starts small again.
    """
    if ceiling_mb <= 0 or not worker.alive:
        return
    rss = rss_megabytes()
    if rss > ceiling_mb:
        worker.log.info("worker %s uses %d MB, above the %d MB ceiling: restarting it", worker.pid, rss, ceiling_mb)
        worker.alive = False


def raise_open_files_limit() -> None:
    """Raise the soft limit of open files to the hard one: each held connection is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        # On failure the limit stays as it was; gunicorn still caps connections per worker.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def configure_app_logging(level: str) -> None:
    """Send the service's own loggers (``dlp.*``, e.g. the access log ``dlp.access``) to stderr."""
    service_logger = logging.getLogger("dlp")
    service_logger.setLevel(level.upper())
    if not any(getattr(handler, "dlp_stderr", False) for handler in service_logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        handler.dlp_stderr = True  # type: ignore[attr-defined]
        service_logger.addHandler(handler)
    service_logger.propagate = False
