"""The milter server: an asyncio loop holds the connections, a thread pool inspects.

Each connection is read frame by frame under time-outs and size limits; anything that is
not the protocol closes that connection only. Inspections are bounded (workers plus a
short queue): a message beyond that gets a temporary failure at once instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from service.gateway.inspect import Inspector
from service.gateway.milter import metrics
from service.gateway.milter import protocol as p
from service.gateway.milter.config import MilterConfig
from service.gateway.milter.replies import Answer, answer, oversize, tempfail
from service.gateway.milter.session import Inspect, Oversize, Replies, Session
from service.policy.model import Verdict

log = logging.getLogger("service.gateway.milter")


@dataclass(frozen=True)
class Endpoint:
    host: str | None = None
    port: int = 0
    path: str | None = None  # a Unix socket


def parse_bind(bind: str) -> Endpoint:
    """``inet:HOST:PORT``, ``HOST:PORT``, Sendmail's ``inet:PORT@HOST``, or ``unix:PATH``."""
    if bind.startswith(("unix:", "local:")):
        return Endpoint(path=bind.split(":", 1)[1])
    spec = bind.removeprefix("inet:")
    if "@" in spec:
        port, host = spec.split("@", 1)
    else:
        host, _, port = spec.rpartition(":")
    if not port.isdigit() or not host:
        raise ValueError(f"not a milter address: {bind!r}")
    return Endpoint(host=host.strip("[]"), port=int(port))


class MilterServer:
    def __init__(self, inspector: Inspector, config: MilterConfig) -> None:
        self.inspector = inspector
        self.config = config
        self._pool = ThreadPoolExecutor(config.workers, thread_name_prefix="milter-inspect")
        self._server: asyncio.Server | None = None
        self._connections = 0
        self._inspections = 0  # running or queued in the pool
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> Endpoint:
        endpoint = parse_bind(self.config.bind)
        if endpoint.path is not None:
            self._server = await asyncio.start_unix_server(self._connection, endpoint.path)
            return endpoint
        self._server = await asyncio.start_server(self._connection, endpoint.host, endpoint.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        return Endpoint(host=host, port=port)

    async def close(self) -> None:
        """Stop listening and end the open connections (the MTA applies its default action)."""
        if self._server is not None:
            self._server.close()
        # Closing the sockets ends every read even where a cancellation gets lost (wait_for
        # can swallow one that arrives as its read completes).
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._connections >= self.config.max_connections:
            metrics.CONNECTIONS.labels("refused").inc()
            writer.close()
            return
        self._connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        metrics.CONNECTIONS.labels("accepted").inc()
        metrics.ACTIVE.inc()
        try:
            await self._converse(Session(self.config), reader, writer)
        except p.ProtocolError as error:
            metrics.ERRORS.labels("protocol").inc()
            log.warning("milter connection closed: %s", error)
        except TimeoutError:
            metrics.ERRORS.labels("read_timeout").inc()
            log.info("milter connection closed: the peer was silent past the time-out")
        except (ConnectionError, asyncio.IncompleteReadError):
            metrics.ERRORS.labels("disconnected").inc()
        except asyncio.CancelledError:
            # The server is stopping. The task ends normally: asyncio's stream callback would
            # otherwise report the cancellation as an error.
            log.info("milter connection closed: the server is stopping")
        except Exception:  # one connection's bug must not stop the server
            metrics.ERRORS.labels("internal").inc()
            log.exception("milter connection failed")
        finally:
            self._connections -= 1
            self._tasks.discard(task)
            self._writers.discard(writer)
            metrics.ACTIVE.dec()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _converse(self, session: Session, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            frame = await self._read_frame(reader)
            if frame is None:
                return
            command, data = p.split_frame(frame)
            result = session.feed(command, data)
            if isinstance(result, Replies):
                frames, close = result.frames, result.close
            else:
                frames, close = (await self._end_of_message(session, result)).frames, False
                session.end_message()
            if frames:
                writer.write(b"".join(frames))
                await asyncio.wait_for(writer.drain(), self.config.frame_timeout)
            if close:
                return

    async def _read_frame(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next frame, or None at a clean end of the connection."""
        first = await asyncio.wait_for(reader.read(1), self.config.idle_timeout)
        if not first:
            return None

        async def rest() -> bytes:
            header = first + await reader.readexactly(3)
            return await reader.readexactly(p.frame_length(header, self.config.max_frame_bytes))

        return await asyncio.wait_for(rest(), self.config.frame_timeout)

    async def _end_of_message(self, session: Session, request: Inspect | Oversize) -> Answer:
        began = time.perf_counter()
        if isinstance(request, Oversize):
            metrics.SIZE.observe(request.size)
            metrics.ERRORS.labels("oversize_message").inc()
            result = oversize(self.config, session.actions, session.verdict_headers)
            queue_id = session.macros.get("i")
        else:
            metrics.SIZE.observe(session.message.size)
            result = await self._inspect(session, request)
            queue_id = request.queue_id
        metrics.REPLIES.labels(result.outcome).inc()
        elapsed = time.perf_counter() - began
        metrics.LATENCY.observe(elapsed)
        log.info("milter message %s: %s in %.1f ms", queue_id or "-", result.outcome, elapsed * 1000)
        return result

    async def _inspect(self, session: Session, request: Inspect) -> Answer:
        if self._inspections >= self.config.workers + self.config.max_queued:
            metrics.ERRORS.labels("overload").inc()
            return tempfail("overloaded")
        self._inspections += 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self.inspector.inspect, [request.document], request.channel)
        # The slot is freed when the thread is done, not when we stop waiting: the bound holds.
        future.add_done_callback(self._inspection_done)
        try:
            verdict = await asyncio.wait_for(asyncio.shield(future), self.config.inspect_timeout)
        except TimeoutError:
            metrics.ERRORS.labels("inspect_timeout").inc()
            return tempfail("timed out")
        except Exception as error:
            metrics.ERRORS.labels("inspect_failed").inc()
            # The type only: an exception's text may quote what it was reading.
            log.error("milter inspection failed: %s", type(error).__name__)
            return tempfail("failed")
        result = answer(verdict, self.config, session.actions, session.verdict_headers)
        log.info(
            "milter verdict %s policy=%s rules=%s complete=%s",
            verdict.action,
            verdict.policy,
            ",".join(hit.rule for hit in verdict.rules),
            verdict.complete,
        )
        return result

    def _inspection_done(self, future: asyncio.Future[Verdict]) -> None:
        self._inspections -= 1
        if not future.cancelled():
            future.exception()  # retrieved here, so an abandoned failure is not reported twice


class RunningMilter:
    """A milter server on its own thread and event loop (embedding, tests, benchmarks)."""

    def __init__(self, inspector: Inspector, config: MilterConfig) -> None:
        self.server = MilterServer(inspector, config)
        self._loop = asyncio.new_event_loop()
        started: Future[Endpoint] = Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="milter-loop", daemon=True)
        self._thread.start()
        self.endpoint = started.result(timeout=30)

    def _run(self, started: Future[Endpoint]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            started.set_result(self._loop.run_until_complete(self.server.start()))
        except BaseException as error:
            started.set_exception(error)
            return
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.close())
        self._loop.close()

    def stop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def serve(
    inspector: Inspector, config: MilterConfig, stop_signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)
) -> None:
    """Serve until one of ``stop_signals``; the metrics listener starts first when configured."""
    if config.metrics_bind:
        from prometheus_client import start_http_server

        endpoint = parse_bind(config.metrics_bind)
        start_http_server(endpoint.port, endpoint.host or "127.0.0.1")
    asyncio.run(_serve(inspector, config, stop_signals))


async def _serve(inspector: Inspector, config: MilterConfig, stop_signals: Sequence[int]) -> None:
    server = MilterServer(inspector, config)
    endpoint = await server.start()
    log.info("milter listening on %s", endpoint.path or f"{endpoint.host}:{endpoint.port}")
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in stop_signals:
        loop.add_signal_handler(number, stopped.set)
    try:
        await stopped.wait()
    finally:
        await server.close()
