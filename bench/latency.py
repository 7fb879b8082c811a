"""Latency and throughput of the running service under gunicorn, on 127.0.0.1 only.

Starts ``dlp serve`` on a free local port, posts documents of 1 KB, 10 KB, 100 KB and
1 MB (a fixed number of each, from a few client threads with keep-alive connections),
prints requests/s and p50/p95/p99 latency, writes ``bench/results/latency.json`` and
stops the service. The load is bounded and ends by itself.

Before the service starts, the same documents are answered in this process, one at a
time on one core, through the same Flask application (test client: no socket, no
gunicorn): "in-process/s". "HTTP ÷ in-process" is then the HTTP rate per worker over that
rate, what the network layer, gunicorn and the client threads cost. On a machine with no more
cores than workers the client threads take cores from the service, so the service's own CPU
time is read from ``/proc`` as well: "server cores" is its CPU seconds over wall seconds, and
"per core ÷" the requests answered per CPU second of the service (master and workers) over the
in-process rate, what HTTP and gunicorn cost per request whatever the clients take. "p99 ÷ p50"
shows how even the latency is under a load that keeps every worker busy.

Run: ``python -m bench.latency [--workers N] [--clients N]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.proctree import cpu_seconds
from tests.fixtures.corpus import make_corpus

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"
# (document size in bytes, requests sent): fewer of the large ones keeps the run short.
PLAN = ((1_000, 600), (10_000, 400), (100_000, 120), (1_000_000, 24))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def start_service(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="dlp-bench-"), "DLP_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("the service did not become ready")


def run_size(port: int, body: bytes, requests: int, clients: int, server: int) -> dict[str, float]:
    per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(count: int) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        timings = []
        for _ in range(count):
            began = time.perf_counter()
            connection.request("POST", "/v1/classify", body=body, headers={"Content-Type": "text/plain"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"unexpected status {response.status}")
            timings.append(time.perf_counter() - began)
        connection.close()
        return timings

    cpu_before = cpu_seconds(server)
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = sorted(t for batch in pool.map(client, per_client) for t in batch)
    elapsed = time.perf_counter() - began
    server_cpu = cpu_seconds(server) - cpu_before
    return {
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        # The cores the service really had: on a small machine the clients take their share.
        "server_cores": round(server_cpu / elapsed, 2),
        "requests_per_server_cpu_s": round(requests / server_cpu, 1) if server_cpu else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def in_process_rate(body: bytes, requests: int) -> float:
    """Answers per second of the Flask application in this process, on one core."""
    from service.api import create_app

    client = create_app().test_client()
    headers = {"Content-Type": "text/plain"}
    for _ in range(3):  # warm: compiled set, caches
        client.post("/v1/classify", data=body, headers=headers)
    began = time.perf_counter()
    for _ in range(requests):
        response = client.post("/v1/classify", data=body, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"unexpected status {response.status_code} in process")
    return requests / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    bodies = {size: make_corpus(size, seed=size).encode() for size, _ in PLAN}
    in_process = {size: in_process_rate(bodies[size], max(4, requests // 4)) for size, requests in PLAN}
    logging.getLogger().handlers.clear()  # the in-process answers logged to this terminal
    port = free_port()
    process = start_service(port, args.workers)
    try:
        figures = {}
        for size, requests in PLAN:
            figures[size] = run_size(port, bodies[size], requests, args.clients, process.pid)
            figures[size]["in_process_per_s"] = round(in_process[size], 1)
            per_worker = figures[size]["requests_per_s"] / args.workers
            figures[size]["http_over_in_process"] = round(per_worker / in_process[size], 2)
            per_core = figures[size]["requests_per_server_cpu_s"]
            figures[size]["http_per_core_over_in_process"] = round(per_core / in_process[size], 2)
            figures[size]["p99_over_p50"] = round(figures[size]["p99_ms"] / figures[size]["p50_ms"], 2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    print(f"service: {args.workers} gunicorn workers, {args.clients} clients, 127.0.0.1")
    header = f"{'doc size':>10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    header += f" {'in-process/s':>13} {'HTTP ÷ in-process':>18} {'server cores':>13} {'per core ÷':>11}"
    print(f"{header} {'p99 ÷ p50':>10}")
    for size, row in figures.items():
        latency = f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}"
        ratios = f"{row['in_process_per_s']:>13} {row['http_over_in_process']:>18} {row['server_cores']:>13}"
        ratios += f" {row['http_per_core_over_in_process']:>11} {row['p99_over_p50']:>10}"
        print(f"{size:>10} {row['requests']:>9} {row['requests_per_s']:>8} {latency} {ratios}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latency.json").write_text(
        json.dumps({"workers": args.workers, "clients": args.clients, "sizes": figures}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
