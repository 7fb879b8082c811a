"""Archives and compressed streams: zip, tar, gzip, bzip2, xz.

Sizes declared in headers are checked before anything is read, and every read is
bounded anyway: headers can lie, and a zip bomb must cost at most the budget.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Callable
from typing import IO, cast

from service.extract.detect import Kind
from service.extract.extractor import Encrypted, Extraction, handles
from service.extract.limits import DOCUMENT_WIDE, LimitExceeded
from service.extract.names import is_unsafe_name, safe_member_name

CHUNK = 1024 * 1024


def read_bounded(stream: IO[bytes], extraction: Extraction, packed_size: int) -> bytes:
    """Read a decompressing stream, stopping as soon as the budget or the ratio limit is broken.

    What is read is charged to the document's byte budget, so nested containers cannot
    unpack more than the budget in all, however small each level looks.
    """
    limit = extraction.budget.remaining_bytes()
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            extraction.budget.take_bytes(total)
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise LimitExceeded("part_too_large", f"unpacks to more than {limit} bytes")
        extraction.budget.check_ratio(packed_size, total)
        extraction.budget.check_time()
        chunks.append(chunk)


@handles(Kind.ZIP)
def read_zip(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            extraction.budget.check_time()
            member = f"{path}/{safe_member_name(info.filename)}"
            _report_unsafe_name(extraction, path, info.filename, member)
            if info.flag_bits & 0x1:
                extraction.add_error(
                    member, Kind.BINARY.value, "encrypted", "the archive member is encrypted", info.compress_size
                )
                continue
            try:
                extraction.budget.take_entry()
                if info.file_size > extraction.budget.remaining_bytes():
                    raise LimitExceeded("part_too_large", f"declares {info.file_size} bytes, over the remaining budget")
                extraction.budget.check_ratio(info.compress_size, info.file_size)
                with archive.open(info) as stream:
                    content = read_bounded(stream, extraction, info.compress_size)
            except LimitExceeded as error:
                extraction.add_error(member, Kind.BINARY.value, error.code, error.message, info.compress_size)
                if error.code in DOCUMENT_WIDE:
                    return  # nothing more of this document can be read
                continue
            extraction.extract(content, member, depth + 1)


@handles(Kind.TAR)
def read_tar(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for info in archive:
            if not info.isfile():
                continue  # links and devices name other files; they carry no content of their own
            extraction.budget.check_time()
            member = f"{path}/{safe_member_name(info.name)}"
            _report_unsafe_name(extraction, path, info.name, member)
            try:
                extraction.budget.take_entry()
            except LimitExceeded as error:
                extraction.add_error(member, Kind.BINARY.value, error.code, error.message)
                return
            if info.size > extraction.budget.remaining_bytes():
                extraction.add_error(
                    member, Kind.BINARY.value, "part_too_large", f"declares {info.size} bytes, over the budget"
                )
                continue
            stream = archive.extractfile(info)
            if stream is None:
                continue
            content = stream.read(info.size)
            extraction.budget.take_bytes(len(content))
            extraction.extract(content, member, depth + 1)


def _report_unsafe_name(extraction: Extraction, path: str, raw_name: str, safe_path: str) -> None:
    if is_unsafe_name(raw_name):
        shown = "".join(char if char.isprintable() else "_" for char in raw_name)[:255]
        extraction.add_error(
            f"{path}/{shown}",
            Kind.BINARY.value,
            "unsafe_name",
            f"member named with an absolute path or '..'; its content is read as {safe_path}",
        )


def _inner_name(path: str, suffixes: tuple[str, ...]) -> str:
    lowered = path.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix):
            stem = path[: -len(suffix)]
            return f"{path}/{stem.rsplit('/', 1)[-1]}" + (".tar" if suffix in (".tgz", ".tbz2", ".txz") else "")
    return f"{path}/content"


def _decompressor(kind: Kind, data: bytes) -> IO[bytes]:
    source = io.BytesIO(data)
    if kind is Kind.GZIP:
        return cast(IO[bytes], gzip.GzipFile(fileobj=source))
    if kind is Kind.BZIP2:
        return cast(IO[bytes], bz2.BZ2File(source))
    return cast(IO[bytes], lzma.LZMAFile(source))


_SUFFIXES = {Kind.GZIP: (".gz", ".tgz"), Kind.BZIP2: (".bz2", ".tbz2"), Kind.XZ: (".xz", ".txz")}


def _read_compressed(kind: Kind) -> Callable[[Extraction, bytes, str, int], None]:
    def read(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
        try:
            with _decompressor(kind, data) as stream:
                content = read_bounded(stream, extraction, len(data))
        except (EOFError, OSError, lzma.LZMAError) as error:
            raise ValueError(f"corrupt compressed stream: {type(error).__name__}") from None
        extraction.extract(content, _inner_name(path, _SUFFIXES[kind]), depth + 1)

    return read


for _kind in _SUFFIXES:
    handles(_kind)(_read_compressed(_kind))


__all__ = ["Encrypted", "read_bounded"]
