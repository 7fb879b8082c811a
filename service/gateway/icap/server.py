"""An asyncio ICAP server (RFC 3507) for web proxies: OPTIONS, REQMOD and RESPMOD.

The event loop only moves bytes; decoding and inspection run in a thread pool behind a
semaphore (``max_inspections``), so a slow classification never stalls other clients.
Connections are bounded by ``max_connections`` (announced as Max-Connections; one more
gets a 503), each request's headers and body by size and read time. A malformed request
is answered with its 4xx and the connection closed; the next client is served as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from service.gateway.icap import metrics
from service.gateway.icap.config import IcapConfig
from service.gateway.icap.decoding import UndecodableBody
from service.gateway.icap.exchange import Exchange, channel_of, documents_of
from service.gateway.icap.framing import Body, read_chunked, read_head, read_section
from service.gateway.icap.http import parse_request_head as parse_http_request
from service.gateway.icap.http import parse_response_head
from service.gateway.icap.protocol import IcapError, IcapRequest, Method, parse_encapsulated, parse_request_head
from service.gateway.icap.responses import (
    CONTINUE,
    block_response,
    echo_response,
    error_response,
    istag,
    no_content,
    options_response,
)
from service.gateway.inspect import Inspector
from service.policy.model import Action, Verdict

log = logging.getLogger("service.gateway.icap")

# ICAP service names (the path of icap://host:port/NAME) and the method each one serves.
SERVICES = {"reqmod": Method.REQMOD, "respmod": Method.RESPMOD}
UNINSPECTABLE_POLICY = "uninspectable"


class _Idle(Exception):
    """The client closed or stayed silent between requests: close without an answer."""


class IcapServer:
    def __init__(self, inspector: Inspector, config: IcapConfig) -> None:
        self.inspector = inspector
        self.config = config
        self._pool = ThreadPoolExecutor(max_workers=config.max_inspections, thread_name_prefix="icap-inspect")
        self._inspections = asyncio.Semaphore(config.max_inspections)
        self._open = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets, "the server is not started"
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def tag(self) -> str:
        return istag(self.inspector.version)

    async def start(self) -> None:
        # The stream limit bounds every line and header section read from a client.
        self._server = await asyncio.start_server(
            self._connection, self.config.host, self.config.port, limit=self.config.max_header_bytes
        )

    async def close(self) -> None:
        """Stop listening, end the connections still open and release the worker threads."""
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        metrics.CONNECTIONS.inc()
        if self._open >= self.config.max_connections:
            metrics.CONNECTIONS_REFUSED.inc()
            await self._send_and_close(writer, error_response(503, self.tag))
            return
        self._open += 1
        metrics.ACTIVE_CONNECTIONS.inc()
        try:
            await self._serve_connection(reader, writer)
        finally:
            self._open -= 1
            metrics.ACTIVE_CONNECTIONS.dec()
            writer.close()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        client = peer[0] if isinstance(peer, tuple) else None
        for _ in range(self.config.max_requests_per_connection):
            try:
                keep_alive = await self._serve_request(reader, writer, client)
            except _Idle:
                return
            except IcapError as error:
                metrics.ERRORS.labels(str(error.status)).inc()
                log.info("icap request refused: %s %s", error.status, error.detail)
                await self._send_and_close(writer, error_response(error.status, self.tag))
                return
            except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
                return  # the client went away, or stopped reading our answer: nobody to answer
            except Exception as error:
                # Type and place only: an exception's message could quote the content it choked on.
                frame = traceback.extract_tb(error.__traceback__)[-1]
                log.error("icap request failed: %s at %s:%s", type(error).__name__, frame.filename, frame.lineno)
                metrics.ERRORS.labels("500").inc()
                await self._send_and_close(writer, error_response(500, self.tag))
                return
            if not keep_alive:
                return

    async def _send_and_close(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        try:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.config.header_timeout)
        except (ConnectionError, TimeoutError):
            pass
        writer.close()

    async def _read_request_head(self, reader: asyncio.StreamReader) -> IcapRequest:
        """The next request's ICAP head: silence or a close before its first byte is ``_Idle``."""
        ends = time.monotonic() + self.config.header_timeout
        try:
            first = await asyncio.wait_for(reader.readexactly(1), self.config.header_timeout)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            raise _Idle() from None
        try:
            head = await asyncio.wait_for(
                read_head(reader, self.config.max_header_bytes, first), ends - time.monotonic()
            )
        except TimeoutError:
            raise IcapError(408, "the request headers were not received in time") from None
        except asyncio.IncompleteReadError:
            raise _Idle() from None
        return parse_request_head(head)

    async def _serve_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str | None
    ) -> bool:
        """Read, inspect and answer one request; False when the connection is to be closed."""
        request = await self._read_request_head(reader)
        started = time.monotonic()
        method = SERVICES.get(request.service)
        if method is None:
            raise IcapError(404, "unknown ICAP service")
        if request.method is Method.OPTIONS:
            await self._write(writer, self._options(method, request.closes), request, 200)
            return not request.closes
        if request.method is not method:
            raise IcapError(405, f"the service does not serve {request.method}")
        exchange, previewed = await self._read_exchange(reader, writer, request, client)
        verdict = await self._inspect(exchange)
        metrics.ACTIONS.labels(str(request.method), str(verdict.action) if verdict else "none").inc()
        if verdict is not None and verdict.blocks:
            # Policy and rule names only: a verdict carries no values, and the URL is left out.
            log.info(
                "icap %s blocked by policy %s: %s", request.method, verdict.policy, [h.rule for h in verdict.rules]
            )
        status, answer = self._answer(request, exchange, verdict, previewed)
        await self._write(writer, answer, request, status)
        metrics.LATENCY.labels(str(request.method)).observe(time.monotonic() - started)
        return not request.closes

    def _options(self, method: Method, close: bool) -> bytes:
        config = self.config
        return options_response(
            method,
            self.tag,
            preview=config.preview_bytes,
            max_connections=config.max_connections,
            ttl=config.options_ttl,
            close=close,
        )

    async def _write(self, writer: asyncio.StreamWriter, data: bytes, request: IcapRequest, status: int) -> None:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.config.body_timeout)
        metrics.REQUESTS.labels(str(request.method), str(status)).inc()

    async def _read_exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: IcapRequest, client: str | None
    ) -> tuple[Exchange, bool]:
        """The encapsulated message; the flag is true when it was answered within its preview."""
        encapsulated = parse_encapsulated(request.method, request.headers.get("Encapsulated"))
        if encapsulated.header_bytes > self.config.max_header_bytes:
            raise IcapError(400, "the encapsulated headers are larger than the limit")
        try:
            return await asyncio.wait_for(
                self._read_message(reader, writer, request, encapsulated.headers, encapsulated.has_body, client),
                self.config.body_timeout,
            )
        except TimeoutError:
            raise IcapError(408, "the encapsulated message was not received in time") from None

    async def _read_message(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: IcapRequest,
        sections: Sequence[tuple[str, int]],
        has_body: bool,
        client: str | None,
    ) -> tuple[Exchange, bool]:
        heads = {name: await read_section(reader, length, self.config.max_header_bytes) for name, length in sections}
        http_request = parse_http_request(heads["req-hdr"]) if "req-hdr" in heads else None
        http_response = parse_response_head(heads["res-hdr"]) if "res-hdr" in heads else None
        body = Body(bytearray())
        preview = request.preview
        if has_body:
            await read_chunked(reader, body, self.config.max_body_bytes)
            if preview is not None and not body.ieof:
                # The preview did not hold the whole body: ask for the rest.
                writer.write(CONTINUE)
                await writer.drain()
                await read_chunked(reader, body, self.config.max_body_bytes)
        previewed = preview is not None and (body.ieof or not has_body)
        exchange = Exchange(request.method, http_request, http_response, bytes(body.data), client)
        return exchange, previewed

    async def _inspect(self, exchange: Exchange) -> Verdict | None:
        """The verdict on the exchange, from a worker thread; None when there was nothing to inspect."""
        async with self._inspections:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, self._decide, exchange)

    def _decide(self, exchange: Exchange) -> Verdict | None:
        try:
            documents = documents_of(exchange, self.config.max_decoded_bytes)
        except UndecodableBody as error:
            # A body that cannot be read cannot be cleared: it is held back (fail closed).
            return Verdict(
                Action.BLOCK,
                UNINSPECTABLE_POLICY,
                complete=False,
                incomplete=(str(error),),
                definitions_version=self.inspector.version,
            )
        if not documents:
            return None
        return self.inspector.inspect(documents, channel_of(exchange))

    def _answer(
        self, request: IcapRequest, exchange: Exchange, verdict: Verdict | None, previewed: bool
    ) -> tuple[int, bytes]:
        close = request.closes
        if verdict is not None and verdict.blocks:
            return 200, block_response(verdict, self.tag, close)
        # RFC 3507 §4.6: 204 when the client allows it, or in answer to a preview it ended with ieof.
        if request.allows_204 or previewed:
            return 204, no_content(self.tag, close)
        return 200, echo_response(exchange, self.tag, close)
