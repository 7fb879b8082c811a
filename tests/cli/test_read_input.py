"""Reading an input file: the whole file, or one byte past the size limit so the extractor can say so."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from service.cli_scan import read_input

LIMIT = 1000


@pytest.mark.parametrize("size", [0, 1, LIMIT - 1, LIMIT, LIMIT + 1, 5 * LIMIT])
def test_a_file_reads_whole_up_to_the_limit_and_one_byte_past_it(tmp_path: Path, size: int) -> None:
    path = tmp_path / "input.bin"
    content = os.urandom(size)
    path.write_bytes(content)
    assert read_input(path, LIMIT) == content[: LIMIT + 1]


def test_a_pipe_reporting_no_size_is_read_up_to_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    content = b"x" * (3 * LIMIT)

    def feed() -> None:
        with fifo.open("wb") as stream:
            stream.write(content)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert read_input(fifo, LIMIT) == content[: LIMIT + 1]
    finally:
        writer.join()


@pytest.mark.parametrize("actual", [LIMIT // 2, LIMIT, 3 * LIMIT])
def test_a_file_that_grew_after_it_was_measured_is_still_read_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, actual: int
) -> None:
    path = tmp_path / "growing.log"
    content = os.urandom(actual)
    path.write_bytes(content)
    real_fstat = os.fstat

    def measured_earlier(descriptor: int) -> os.stat_result:
        fields = list(real_fstat(descriptor))
        fields[6] = 10  # st_size as it was before the writer appended
        return os.stat_result(fields)

    monkeypatch.setattr("service.cli_scan.os.fstat", measured_earlier)
    assert read_input(path, LIMIT) == content[: LIMIT + 1]
