"""The server as the reference ICAP client sees it: c-icap-client sending OPTIONS, REQMOD and RESPMOD."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from service.gateway.icap import BackgroundServer
from tests.gateway.icap.conftest import CARD_NUMBER, CARD_TEXT, GITHUB_TOKEN

CLEAN_TEXT = "Minutes of the weekly meeting: nothing sensitive was discussed.\n"
# Longer than the 4096-byte preview the server asks for, so the rest follows a 100 Continue.
PADDING = "filler line of an upload that goes on\n" * 200


def c_icap_client(port: int, *args: str) -> tuple[str, str]:
    """(body written by the client, headers it printed); a missing client fails the test."""
    binary = shutil.which("c-icap-client")
    assert binary is not None, "c-icap-client is not installed: run bash .ci/setup-clients"
    done = subprocess.run(
        [binary, "-i", "127.0.0.1", "-p", str(port), "-v", *args], capture_output=True, timeout=60, check=True
    )
    return done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    contents = {
        "clean": CLEAN_TEXT,
        "token": PADDING + f"export GITHUB_TOKEN={GITHUB_TOKEN}\n",
        "small-token": f"token {GITHUB_TOKEN}\n",
        "card": PADDING + CARD_TEXT + "\n",
    }
    paths = {}
    for name, text in contents.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text)
    return paths


def test_options(server: BackgroundServer) -> None:
    for service, method in (("reqmod", "REQMOD"), ("respmod", "RESPMOD")):
        _, headers = c_icap_client(server.port, "-s", service)
        assert "ICAP/1.0 200 OK" in headers
        assert f"Methods: {method}" in headers
        assert "Preview: 4096" in headers and "Allow 204: Yes" in headers
        assert 'ISTag: "dlp-' in headers


@pytest.mark.parametrize("preview", [(), ("-nopreview",), ("-w", "16")])
def test_reqmod_allows_a_clean_upload(
    server: BackgroundServer, files: dict[str, Path], preview: tuple[str, ...]
) -> None:
    _, headers = c_icap_client(
        server.port, "-s", "reqmod", "-f", str(files["clean"]), "-req", "http://h.test/up", *preview
    )
    assert "ICAP/1.0 204 No Content" in headers


@pytest.mark.parametrize("preview", [(), ("-nopreview",), ("-w", "16")])
@pytest.mark.parametrize("name", ["token", "small-token"])
def test_reqmod_blocks_an_upload_with_a_token(
    server: BackgroundServer, files: dict[str, Path], preview: tuple[str, ...], name: str
) -> None:
    body, headers = c_icap_client(
        server.port, "-s", "reqmod", "-f", str(files[name]), "-req", "http://h.test/up", *preview
    )
    assert "HTTP/1.1 403 Forbidden" in headers
    assert "<b>default</b>" in body and "GitHub personal access token" in body
    assert GITHUB_TOKEN not in body + headers and GITHUB_TOKEN[-10:] not in body + headers


@pytest.mark.parametrize("preview", [(), ("-nopreview",)])
def test_respmod_blocks_a_download_with_a_card_number(
    card_server: BackgroundServer, files: dict[str, Path], preview: tuple[str, ...]
) -> None:
    body, headers = c_icap_client(
        card_server.port, "-s", "respmod", "-f", str(files["card"]), "-resp", "http://h.test/card.txt", *preview
    )
    assert "HTTP/1.1 403 Forbidden" in headers
    assert "<b>cards</b>" in body and "Credit card number" in body
    assert CARD_NUMBER not in body + headers


def test_respmod_without_204_echoes_a_clean_download_unchanged(
    card_server: BackgroundServer, files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    arguments = ["-s", "respmod", "-f", str(files["clean"]), "-resp", "http://h.test/a", "-no204", "-o", str(out)]
    _, headers = c_icap_client(card_server.port, *arguments, "-nopreview")
    assert "ICAP/1.0 200 OK" in headers
    assert out.read_text() == CLEAN_TEXT


def test_a_whole_body_in_the_preview_gets_204_even_when_the_client_does_not_allow_it(
    card_server: BackgroundServer, files: dict[str, Path]
) -> None:
    # RFC 3507 §4.5: a 204 may answer a preview that ended with ieof, whatever Allow says.
    arguments = ["-s", "respmod", "-f", str(files["clean"]), "-resp", "http://h.test/a", "-no204"]
    _, headers = c_icap_client(card_server.port, *arguments)
    assert "ICAP/1.0 204 No Content" in headers
