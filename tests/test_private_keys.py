"""Private keys fresh from the tools that make them are found, however they are written down."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from service.validators.keys import private_key_problem
from tests.fixtures.make_private_keys import embeddings, openssh_keys, pem_keys

SIT = "X.509 certificate private key"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**openssh_keys(tmp_path_factory.mktemp("keys")), **pem_keys()}


def found(scanner: Scanner, text: str) -> list[str]:
    report = scanner.classify([Part("doc", text)], ClassifyOptions(sits=(SIT,)))
    result = report.result_for(SIT)
    return [] if result is None else [match.value for match in result.matches]


def test_openssh_keys_come_from_ssh_keygen_where_it_is_installed(keys: dict[str, str]) -> None:
    tool = "ssh-keygen" if shutil.which("ssh-keygen") else "cryptography openssh"
    assert {name for name in keys if name.startswith(tool)} == {
        f"{tool} {kind}" for kind in ("ed25519", "rsa", "ecdsa")
    }
    # Unencrypted openssh-key-v1 bodies carry long runs of A (zero bytes): the reason they were missed.
    assert all("AAAAAA" in text for name, text in keys.items() if "openssh" in text.lower())


def test_every_generated_key_is_found(builtin_scanner: Scanner, keys: dict[str, str]) -> None:
    missed = [name for name, text in keys.items() if len(found(builtin_scanner, text)) != 1]
    assert missed == []


@pytest.mark.parametrize(
    "form",
    [
        "as is",
        "crlf",
        "json string",
        "json in json",
        "yaml double-quoted",
        "dotenv line",
        "escaped crlf",
        "javascript concatenation",
        "python implicit concatenation",
        "base64 of the file",
    ],
)
def test_keys_written_inside_other_text_are_found(builtin_scanner: Scanner, keys: dict[str, str], form: str) -> None:
    missed = [name for name, text in keys.items() if len(found(builtin_scanner, embeddings(text)[form])) != 1]
    assert missed == []


def test_the_structure_check_accepts_every_generated_key(keys: dict[str, str]) -> None:
    assert {name: private_key_problem(text) for name, text in keys.items()} == dict.fromkeys(keys)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "A" * 280 + "\n-----END OPENSSH PRIVATE KEY-----", "openssh"),
        ("-----BEGIN PRIVATE KEY-----\n" + "x" * 96 + "\n-----END PRIVATE KEY-----", "DER"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "short"),
    ],
)
def test_bodies_that_are_not_keys_are_refused(text: str, reason: str) -> None:
    problem = private_key_problem(text)
    assert problem is not None and reason in problem


def test_a_truncated_key_is_refused(keys: dict[str, str]) -> None:
    lines = keys["rsa pkcs1"].strip().splitlines()
    truncated = "\n".join(lines[:5] + lines[-1:])
    assert private_key_problem(truncated) is not None


def test_a_base64_encoded_certificate_is_not_a_private_key(builtin_scanner: Scanner, keys: dict[str, str]) -> None:
    body = keys["ec sec1"].strip().splitlines()[1:-1]
    certificate = "\n".join(["-----BEGIN CERTIFICATE-----", *body, "-----END CERTIFICATE-----"])
    assert found(builtin_scanner, "tls.crt: " + base64.b64encode(certificate.encode()).decode()) == []


def test_generator_script_writes_one_file_per_key(tmp_path: Path) -> None:
    from tests.fixtures.make_private_keys import main

    assert main(["make_private_keys", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.key"))) == 10
