"""Hostile inputs against the running service under gunicorn, on 127.0.0.1 only.

Starts ``dlp serve`` (2 workers) on a free local port, sends each hostile input once, and prints
a table: the input, the HTTP status, the seconds to the answer, the answer's size and the peak
resident memory of the workers while it was served (VmRSS sampled every 20 ms). Ends with 200
slow clients held for 30 s while normal requests are timed. Writes ``bench/results/hostile.json``
and stops the service. Everything is built in code, in memory or a temporary folder.

Run: ``python -m bench.hostile [--only NAME]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.latency import free_port, percentile, start_service
from tests.fixtures import hostile_inputs as inputs

RESULTS = Path(__file__).parent / "results"
MAX_BODY = 25 * 1024 * 1024
MB = 1024 * 1024


@dataclass
class Case:
    name: str
    build: Callable[[], bytes | Iterable[bytes]]
    content_type: str = "text/plain"
    chunked: bool = False


CASES = (
    Case("chunked text, 25 MiB + 1", lambda: inputs.chunked_body(MAX_BODY + 1), chunked=True),
    Case("nested JSON, 5000 deep", lambda: inputs.nested_json(5000), "application/json"),
    Case("password= lines, 5 MB", lambda: inputs.lines_of("password=hunter2-correct-horse\n", 5 * MB)),
    Case("SSN: 536-22-8726 lines, 5 MB", lambda: inputs.lines_of("SSN: 536-22-8726\n", 5 * MB)),
    Case("digit groups, 2 MB", lambda: inputs.digit_groups(2 * MB)),
    Case("base64 run, 2 MB", lambda: inputs.base64_run(2 * MB)),
    Case("hex run, 2 MB", lambda: inputs.hex_run(2 * MB)),
    Case("zip bomb, 300 MB of zeros", inputs.zip_bomb, "application/octet-stream"),
    Case("docx, 10 M empty paragraphs", inputs.docx_bomb, "application/octet-stream"),
    Case("pptx, slide XML 300 MB", inputs.pptx_bomb, "application/octet-stream"),
    Case("xlsx, sharedStrings 300 MB", inputs.xlsx_bomb, "application/octet-stream"),
    Case("match flood, 1 MB of card numbers", lambda: inputs.card_flood(MB)),
)


def worker_pids(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakSampler:
    """The largest VmRSS of any worker while the block runs."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # a request shorter than the sampling period is seen here

    def _sample(self) -> None:
        for pid in worker_pids(self.master):
            self.peak = max(self.peak, rss_mb(pid))

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()


def verdict(status: int | str, answer: bytes) -> str:
    """What the answer says of itself: complete, or which SITs and parts were not finished."""
    if status != 200:
        return "-"
    try:
        data = json.loads(answer)
    except ValueError:
        return "not JSON"
    if data.get("complete"):
        return "complete"
    sits = sorted({item["sit"]["name"] for item in data.get("incomplete", [])})
    errors = sorted({part["error"]["code"] for part in data.get("parts", []) if "error" in part})
    return "incomplete: " + ", ".join([*errors, *sits])


def send(port: int, case: Case, body: bytes | Iterable[bytes]) -> tuple[int | str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "POST",
            "/v1/classify",
            body=body,
            headers={"Content-Type": case.content_type},
            encode_chunked=case.chunked,
        )
        response = connection.getresponse()
        return response.status, response.read()
    except OSError as error:
        return f"{type(error).__name__}", b""
    finally:
        connection.close()


def run_case(port: int, master: int, case: Case) -> dict[str, object]:
    body = case.build()
    size = len(body) if isinstance(body, bytes) else MAX_BODY + 1
    with PeakSampler(master) as sampler:
        began = time.perf_counter()
        status, answer = send(port, case, body)
        seconds = time.perf_counter() - began
    return {
        "input": case.name,
        "sent_bytes": size,
        "status": status,
        "seconds": round(seconds, 2),
        "answer_bytes": len(answer),
        "peak_worker_rss_mb": round(sampler.peak),
        "verdict": verdict(status, answer),
    }


def timed_normal(port: int) -> float:
    document = (b"Minutes of the planning meeting. Employee SSN: 536-22-8726.\n" + b"Nothing to report. " * 40) * 20
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        began = time.perf_counter()
        connection.request("POST", "/v1/classify", body=document, headers={"Content-Type": "text/plain"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"normal request answered {response.status}")
        return time.perf_counter() - began
    finally:
        connection.close()


def run_slowloris(port: int, master: int, clients: int = 200, seconds: float = 30) -> dict[str, object]:
    unloaded = sorted(timed_normal(port) for _ in range(60))
    with PeakSampler(master) as sampler, inputs.SlowClients("127.0.0.1", port, count=clients, interval=3.0) as slow:
        time.sleep(2)
        loaded = []
        ends = time.monotonic() + seconds - 2
        while time.monotonic() < ends:
            loaded.append(timed_normal(port))
            time.sleep(0.02)
    loaded.sort()
    return {
        "input": f"slowloris, {clients} connections for {seconds:g} s",
        "sent_bytes": 0,
        "status": 200,
        "seconds": round(percentile(loaded, 0.99), 3),
        "answer_bytes": 0,
        "peak_worker_rss_mb": round(sampler.peak),
        "normal_requests": len(loaded),
        "p99_unloaded_s": round(percentile(unloaded, 0.99), 3),
        "p99_loaded_s": round(percentile(loaded, 0.99), 3),
        "slow_connections_open_at_most": slow.stats.most_open,
        "slow_connections_dropped_by_server": slow.stats.closed_by_server,
    }


def print_table(rows: list[dict[str, object]]) -> None:
    print(f"{'input':<42} {'status':>7} {'seconds':>8} {'answer':>10} {'peak RSS MB':>12}")
    for row in rows:
        print(
            f"{row['input']!s:<42} {row['status']!s:>7} {row['seconds']!s:>8} "
            f"{row['answer_bytes']!s:>10} {row['peak_worker_rss_mb']!s:>12}  {row.get('verdict', '')}"
        )
    for row in rows:
        if "p99_unloaded_s" in row:
            print(
                f"slowloris: normal-request p99 {row['p99_unloaded_s']} s unloaded, {row['p99_loaded_s']} s with "
                f"{row['slow_connections_open_at_most']} slow connections open "
                f"({row['slow_connections_dropped_by_server']} dropped by the header time-out)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", help="run only the inputs whose name contains this text")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the slow clients are descriptors too
    port = free_port()
    process = start_service(port, workers=2)
    rows = []
    try:
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            rows.append(run_case(port, process.pid, case))
            print(f"  {case.name}: {rows[-1]['status']} in {rows[-1]['seconds']} s", flush=True)
        if not args.only or args.only in "slowloris":
            rows.append(run_slowloris(port, process.pid))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    print("service: 2 gunicorn workers, default settings, 127.0.0.1")
    print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile.json").write_text(json.dumps({"workers": 2, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
