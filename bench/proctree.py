"""Run a command and measure it as a user would feel it: wall seconds, peak memory, CPU time.

Peak memory is the largest sum of the resident sizes of the command and every process below
it, sampled from ``/proc`` while it runs: a scanner that forks workers is charged for all of
them. CPU time is the user and system time of the command and the children it waited for, so
CPU seconds ÷ wall seconds tells how many cores a run really kept busy, whatever it was told.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Sampled:
    seconds: float
    peak_rss: int  # bytes, the command and its descendants together
    cpu_seconds: float
    status: int  # exit status; negative for a signal, as subprocess reports it


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    kids = [int(child) for child in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def run_sampled(
    command: Sequence[str], stdout: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Sampled:
    """Run ``command`` with its output in the file ``stdout`` (a large answer cannot block it)."""
    with stdout.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, cwd=cwd
        )
        peak = 0
        while True:
            # wait4 rather than poll: the same call that reaps the command gives its CPU time.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, sum(rss(each) for each in [process.pid, *descendants(process.pid)]))
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Sampled(seconds, peak, usage.ru_utime + usage.ru_stime, process.returncode)


def cpu_seconds(pid: int) -> float:
    """User and system seconds used so far by ``pid`` and every live process below it (a server
    and its workers), from ``/proc``; a process that ends in between is not counted."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{process}/stat", encoding="ascii") as stat:
                # The command name may hold spaces: fields are counted after its closing parenthesis.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks

