"""Peak memory of ``dlp classify`` on large plain-text files: it must not grow with the file.

Writes seeded corpora of the given sizes to a temporary folder, classifies each with the
CLI in a child process (which streams files above 64 MB in windows) and prints the peak
resident memory of that process. Run: ``python -m bench.stream_memory [MB ...]``
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fixtures.corpus import make_corpus

ROOT = Path(__file__).parent.parent


def write_corpus(path: Path, megabytes: int) -> None:
    block = make_corpus(8_000_000, seed=3, plant_every=5_000)  # few findings: memory is about the text
    with path.open("w") as stream:
        for _ in range(max(1, megabytes // 8)):
            stream.write(block)


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [32, 128, 512]
    print(f"{'file MB':>8} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>12}")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"corpus-{size}.txt"
            write_corpus(path, size)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "service.cli", "classify", str(path), "--json"],
                           cwd=ROOT, stdout=subprocess.DEVNULL, check=False)  # fmt: skip
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            megabytes = path.stat().st_size / 1e6
            shown = peak / 1024 if peak > before else float("nan")  # the largest child so far
            print(f"{megabytes:>8.0f} {elapsed:>8.1f} {megabytes / elapsed:>7.2f} {shown:>12.1f}")
            path.unlink()


if __name__ == "__main__":
    main()
