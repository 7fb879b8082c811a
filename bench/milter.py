"""Per-message latency of the milter, driven in-process by a small MTA-side client.

Starts the milter on a free loopback port (its own thread and event loop), sends a small
mail and a mail with a 1 MB attachment a fixed number of times each over one connection
(as Postfix's smtpd does), and prints p50/p99 from end of message to the final reply.
The baseline is the same inspection called directly: the ratio is what the milter adds
(framing, the event loop, the thread hand-off). Results go to bench/results/milter.json.

Run: ``python -m bench.milter [--small N] [--large N]``
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.classify import Document
from service.gateway.milter import MilterConfig, RunningMilter
from service.policy.model import Channel, ChannelKind, Direction
from tests.fixtures.corpus import make_corpus
from tests.fixtures.make_mail import mail
from tests.gateway.milter.client import MilterClient

RESULTS = Path(__file__).parent / "results"


def build_inspector() -> Any:
    """The service's policy inspector, on the settings of the environment; no audit output."""
    from service.config import load_settings
    from service.gateway.inspector import PolicyInspector

    return PolicyInspector.from_settings(load_settings(), default_audit=None)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure(run: Callable[[], object], times: int) -> list[float]:
    timings = []
    for _ in range(times):
        began = time.perf_counter()
        run()
        timings.append(time.perf_counter() - began)
    return timings


def figures(timings: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(timings, 0.5) * 1000, 2), "p99_ms": round(percentile(timings, 0.99) * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200, help="small mails sent")
    parser.add_argument("--large", type=int, default=20, help="mails with a 1 MB attachment sent")
    args = parser.parse_args()
    small = mail("Status", "The build is green; the release goes out on Tuesday.\n")
    attachment = make_corpus(1_000_000, seed=7).encode()
    large = mail("Corpus", "The corpus is attached.\n", (("corpus.txt", attachment, "text/plain"),))
    inspector = build_inspector()
    channel = Channel(ChannelKind.MAIL, Direction.OUTBOUND, sender="alice@example.com", recipients=("bob@example.net",))
    running = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    results: dict[str, Any] = {}
    try:
        assert running.endpoint.host is not None
        with MilterClient(running.endpoint.host, running.endpoint.port) as mta:
            mta.negotiate()
            mta.connect()
            for name, eml, times in (("small", small, args.small), ("1mb_attachment", large, args.large)):
                mta.transaction(eml)  # warm-up
                document = [Document(eml, "message.eml", "message/rfc822")]
                over_milter, direct = [], []
                for _ in range(times):  # interleaved, so a busy machine slows both alike
                    over_milter += measure(lambda eml=eml: mta.transaction(eml), 1)
                    direct += measure(lambda document=document: inspector.inspect(document, channel), 1)
                row = {"bytes": len(eml), "messages": times, "milter": figures(over_milter), "direct": figures(direct)}
                row["ratio_p50"] = round(row["milter"]["p50_ms"] / max(row["direct"]["p50_ms"], 1e-3), 2)
                results[name] = row
    finally:
        running.stop()
    print(f"milter, one connection, inspector {type(inspector).__name__}")
    print(f"{'mail':>16} {'bytes':>9} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'direct p50':>10} {'ratio':>6}")
    for name, row in results.items():
        milter_figures, direct_figures = row["milter"], row["direct"]
        print(
            f"{name:>16} {row['bytes']:>9} {row['messages']:>4} {milter_figures['p50_ms']:>8} "
            f"{milter_figures['p99_ms']:>8} {direct_figures['p50_ms']:>10} {row['ratio_p50']:>6}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "milter.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
