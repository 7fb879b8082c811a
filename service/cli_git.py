"""``dlp git``: the lines each commit added, or the staged changes, read from git itself.

History comes from ``git log -p`` and the staged changes from ``git diff --cached``, both with no
context lines, so that each finding is a line some commit added: a secret committed and removed
later is still found, with the commit that added it, its author date and its path. The lines a
commit added to one file are classified together, as one text, with their line numbers in the
file kept for the report.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Markers no diff line can start with: a commit header is "\x01<hash>\x02<author date>".
_COMMIT = "\x01"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@")


class GitError(Exception):
    """git is missing, the folder is not a repository, or git refused the arguments."""


@dataclass
class AddedText:
    """The lines one commit (None: the staged changes) added to one file."""

    path: str
    commit: str | None
    date: str | None
    lines: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # the file's line number of each line

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def history_command(since: str | None) -> list[str]:
    command = [
        "log", "-p", "--no-color", "--no-ext-diff", "--unified=0", "--no-renames", "--diff-filter=d",
        f"--format={_COMMIT}%H\x02%aI",
    ]  # fmt: skip
    if since:
        command += [f"{since}..HEAD", "--"]
    return command


def staged_command() -> list[str]:
    return ["diff", "--cached", "-p", "--no-color", "--no-ext-diff", "--unified=0", "--no-renames", "--diff-filter=d"]


def added_texts(repository: Path, arguments: Sequence[str]) -> Iterator[AddedText]:
    """Run git in ``repository`` and parse its patch output as it arrives."""
    command = ["git", "-C", str(repository), "-c", "core.quotepath=off", *arguments]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        raise GitError(f"cannot run git: {error.strerror}") from None
    assert process.stdout is not None and process.stderr is not None
    with process:
        lines = (raw.decode("utf-8", errors="replace").rstrip("\n") for raw in process.stdout)
        yield from parse_patches(lines)
        complaint = process.stderr.read().decode("utf-8", errors="replace").strip()
        status = process.wait()
    if status != 0:
        raise GitError(complaint.splitlines()[-1] if complaint else f"git exited with status {status}")


def parse_patches(lines: Iterator[str]) -> Iterator[AddedText]:
    commit: str | None = None
    date: str | None = None
    current: AddedText | None = None
    in_header = False
    number = 0
    for line in lines:
        if line.startswith(_COMMIT):
            if current is not None and current.lines:
                yield current
            current = None
            commit, _, date = line[1:].partition("\x02")
            continue
        if line.startswith("diff --git "):
            if current is not None and current.lines:
                yield current
            current, in_header = None, True
            continue
        if in_header:
            if line.startswith("+++ "):
                target = _unquote(line[4:])
                current = None if target == "/dev/null" else AddedText(target.removeprefix("b/"), commit, date)
                continue
            if not line.startswith("@@"):
                continue  # "index", "---", "new file mode", "Binary files … differ"
        if line.startswith("@@"):
            hunk = _HUNK.match(line)
            number = int(hunk.group("start")) if hunk else 0
            in_header = False
            continue
        if current is not None and line.startswith("+"):
            current.lines.append(line[1:])
            current.numbers.append(number)
            number += 1
    if current is not None and current.lines:
        yield current


def _unquote(path: str) -> str:
    """git quotes a path with unusual characters as a C string (octal bytes, \\t, \\", …)."""
    if len(path) < 2 or not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("utf-8")
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == 0x5C and index + 1 < len(raw):  # a backslash
            following = raw[index + 1 : index + 4]
            if following[:3].isdigit() and len(following) == 3:
                out.append(int(following, 8) & 0xFF)
                index += 4
                continue
            out.extend(_ESCAPES.get(raw[index + 1 : index + 2], raw[index + 1 : index + 2]))
            index += 2
            continue
        out.append(byte)
        index += 1
    return out.decode("utf-8", errors="replace")


_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"a": b"\a", b"b": b"\b", b"f": b"\f", b"v": b"\v"}
