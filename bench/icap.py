"""REQMOD latency and throughput of the ICAP server, against classifying the same bodies directly.

Starts the ICAP server in this process on a free loopback port, then sends a fixed number
of REQMOD requests with 10 KB and 1 MB bodies (mixed text from the test corpus, with
``Allow: 204``) from a few raw-socket clients over keep-alive connections, first one client
alone, then several at once. The baseline is the inspector called directly on the same
bodies in the same process: the ratio is what the ICAP framing, the thread hand-off and
the sockets add. Writes ``bench/results/icap.json``. The load is bounded and ends by itself.

Run: ``python -m bench.icap [--clients N]``
"""

from __future__ import annotations

import argparse
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from service.classify import Document
from service.config import Settings
from service.gateway.icap import IcapConfig, start_in_thread
from service.gateway.inspector import PolicyInspector
from service.policy.model import Channel, ChannelKind, Direction
from tests.fixtures.corpus import make_corpus

RESULTS = Path(__file__).parent / "results"
# (body size in bytes, requests per run): fewer of the large ones keeps the run short.
PLAN = ((10_000, 400), (1_000_000, 16))
CHANNEL = Channel(ChannelKind.HTTP, Direction.OUTBOUND, "POST", "bench.example.test", "text/plain")


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def reqmod(body: bytes) -> bytes:
    http = "POST http://bench.example.test/up HTTP/1.1\r\nHost: bench.example.test\r\nContent-Type: text/plain\r\n"
    http_head = (http + f"Content-Length: {len(body)}\r\n\r\n").encode()
    icap = (
        "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\n"
        f"Encapsulated: req-hdr=0, req-body={len(http_head)}\r\n\r\n"
    )
    return icap.encode() + http_head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


def read_answer(sock: socket.socket) -> int:
    """Read one ICAP answer (a 204, or a 200 carrying a block page); return its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    status = int(data.split(b" ", 2)[1])
    if status == 200:  # a block page: its chunked body ends with the zero chunk
        while not data.endswith(b"0\r\n\r\n"):
            data += sock.recv(65536)
    return status


def client(port: int, request: bytes, count: int) -> list[float]:
    timings = []
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        for _ in range(count):
            began = time.perf_counter()
            sock.sendall(request)
            read_answer(sock)
            timings.append(time.perf_counter() - began)
    return timings


def figures(latencies: list[float], elapsed: float, size: int) -> dict[str, float]:
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "mb_per_s": round(len(latencies) * size / elapsed / 1e6, 2),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def run_icap(port: int, body: bytes, requests: int, clients: int) -> dict[str, float]:
    request = reqmod(body)
    per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = [t for batch in pool.map(lambda n: client(port, request, n), per_client) for t in batch]
    return figures(latencies, time.perf_counter() - began, len(body))


def run_direct(inspector: PolicyInspector, body: bytes, requests: int) -> dict[str, float]:
    latencies = []
    began = time.perf_counter()
    for _ in range(requests):
        start = time.perf_counter()
        inspector.inspect([Document(body, name="request body", media_type="text/plain")], CHANNEL)
        latencies.append(time.perf_counter() - start)
    return figures(latencies, time.perf_counter() - began, len(body))


def measure(clients: int, inspections: int) -> dict[str, Any]:
    inspector = PolicyInspector.from_settings(Settings(), default_audit=None)
    server = start_in_thread(inspector, IcapConfig(port=0, max_inspections=inspections))
    results: dict[str, Any] = {}
    try:
        for size, requests in PLAN:
            body = make_corpus(size, seed=size).encode()[:size]
            run_icap(server.port, body, max(2, requests // 20), 1)  # warm-up
            results[str(size)] = {
                "direct": run_direct(inspector, body, requests),
                "icap_1_client": run_icap(server.port, body, requests, 1),
                f"icap_{clients}_clients": run_icap(server.port, body, requests, clients),
            }
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--inspections", type=int, default=2, help="inspections run at once (max_inspections)")
    args = parser.parse_args()
    results = measure(args.clients, args.inspections)
    print(
        f"ICAP REQMOD on 127.0.0.1, default policy, {args.inspections} inspection threads, "
        f"{args.clients} concurrent clients in the loaded run"
    )
    print(f"{'size':>9} {'run':>16} {'req/s':>8} {'MB/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50 / direct':>13}")
    for size, runs in results.items():
        direct = runs["direct"]["p50_ms"] or 1e-9
        for name, row in runs.items():
            ratio = row["p50_ms"] / direct
            print(
                f"{size:>9} {name:>16} {row['requests_per_s']:>8} {row['mb_per_s']:>7} "
                f"{row['p50_ms']:>8} {row['p99_ms']:>8} {ratio:>13.2f}"
            )
    RESULTS.mkdir(exist_ok=True)
    summary = {"clients": args.clients, "inspections": args.inspections, "sizes": results}
    (RESULTS / "icap.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
