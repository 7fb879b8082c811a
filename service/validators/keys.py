"""Private keys in PEM form: the block is a real key's structure, however it is written down.

Keys leak inside other text as often as in files of their own: in JSON and YAML strings
with ``\\n`` escapes, in ``.env`` lines, in string concatenations of source code, with
CRLF line ends, or as a whole PEM file encoded once more in base64 (Kubernetes secrets).
The check undoes the writing — escapes, quotes, ``+`` and commas between the lines — and
then looks at the decoded bytes:

- ``OPENSSH PRIVATE KEY``: the ``openssh-key-v1`` container (PROTOCOL.key in OpenSSH):
  the magic, cipher, KDF and its options, a key count, the public keys and the private
  section, each length-prefixed and inside the data.
- legacy encrypted PEM (``Proc-Type: 4,ENCRYPTED``): ciphertext, whole cipher blocks.
- every other kind (PKCS#1, SEC 1, DSA, PKCS#8, encrypted PKCS#8): one DER SEQUENCE
  (RFC 7468 and X.690) spanning the data exactly, starting with a version INTEGER or,
  encrypted, an algorithm SEQUENCE.

Long runs of ``A`` (zero bytes) are normal in these bodies, so this check, not the
placeholder heuristics, is what tells a key from an illustration: a placeholder body
decodes to bytes with no such structure.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import regex

from service.validators.registry import register

MIN_KEY_BYTES = 32  # an Ed25519 PKCS#8 key is 48 bytes; anything shorter is an illustration
MAX_KEY_BYTES = 12_288  # a 16384-bit RSA key is under 10 KB of DER
OPENSSH_MAGIC = b"openssh-key-v1\x00"

_BLOCK = regex.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |ENCRYPTED |OPENSSH )?PRIVATE KEY)-----(?P<inner>.*?)-----END (?P=kind)-----",
    regex.DOTALL,
)
# A line break written as an escape, with as many backslashes as the nesting of strings gave it.
_ESCAPED_BREAK = regex.compile(r"\\+[rn]")
_ESCAPED_SLASH = regex.compile(r"\\+/")
# String literals joined by '+' or juxtaposed: the quotes and the operator between them go.
_CONCATENATION = regex.compile(r"[\"'`]\s*\+?\s*[\"'`]")
# What string syntax leaves between the lines of a key: quotes, separators, white space.
_WRITING = str.maketrans("", "", " \t\r\n\"'`,;")
_BASE64 = regex.compile(r"[A-Za-z0-9+/]*={0,2}")


def _der_length(data: bytes, offset: int) -> tuple[int, int] | None:
    """The length of the DER element whose length octets start at ``offset``, and where its content starts."""
    if offset >= len(data):
        return None
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    count = first & 0x7F
    if count == 0 or count > 4 or offset + 1 + count > len(data):
        return None
    return int.from_bytes(data[offset + 1 : offset + 1 + count], "big"), offset + 1 + count


def _der_problem(data: bytes, encrypted_pkcs8: bool) -> str | None:
    if data[0] != 0x30:
        return "not a DER key structure (no outer SEQUENCE)"
    parsed = _der_length(data, 1)
    if parsed is None or parsed[0] + parsed[1] != len(data):
        return "not a DER key structure (the SEQUENCE does not span the data)"
    inner = parsed[1]
    expected_tag = 0x30 if encrypted_pkcs8 else 0x02
    if inner >= len(data) or data[inner] != expected_tag:
        return "not a DER key structure (unexpected first field)"
    return None


class _SshReader:
    def __init__(self, data: bytes, offset: int) -> None:
        self.data = data
        self.offset = offset

    def uint32(self) -> int:
        if self.offset + 4 > len(self.data):
            raise ValueError("truncated")
        value = int.from_bytes(self.data[self.offset : self.offset + 4], "big")
        self.offset += 4
        return value

    def string(self) -> bytes:
        length = self.uint32()
        if self.offset + length > len(self.data):
            raise ValueError("a field runs past the end")
        value = self.data[self.offset : self.offset + length]
        self.offset += length
        return value


def _openssh_problem(data: bytes) -> str | None:
    if not data.startswith(OPENSSH_MAGIC):
        return "not an openssh-key-v1 body"
    reader = _SshReader(data, len(OPENSSH_MAGIC))
    try:
        cipher, kdf = reader.string(), reader.string()
        reader.string()  # KDF options: empty for unencrypted keys, salt and rounds for bcrypt
        count = reader.uint32()
        if not (cipher.isascii() and kdf.isascii() and cipher and kdf) or not 1 <= count <= 16:
            return "not an openssh-key-v1 body (bad header)"
        for _ in range(count):
            reader.string()
        private = reader.string()
    except ValueError:
        return "not an openssh-key-v1 body (truncated)"
    if not private or len(private) % 8:
        return "not an openssh-key-v1 body (bad private section)"
    return None


def private_key_problem(block: str) -> str | None:
    """None when ``block`` holds a PEM private key (written in any of the usual ways), else why not."""
    match = _BLOCK.search(block)
    if match is None:
        return "no BEGIN/END PRIVATE KEY lines"
    kind = match.group("kind")
    inner = _CONCATENATION.sub("", match.group("inner"))
    inner = _ESCAPED_SLASH.sub("/", _ESCAPED_BREAK.sub("\n", inner))
    lines = inner.split("\n")
    legacy_encrypted = any(line.strip(" \t\r\"'").startswith("Proc-Type:") for line in lines)
    body = "".join(line for line in lines if ":" not in line).translate(_WRITING)
    if not _BASE64.fullmatch(body) or len(body) % 4 == 1:
        return "the body is not base64"
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return "the body is not base64"
    if len(data) < MIN_KEY_BYTES:
        return "too short to be a key"
    if len(data) > MAX_KEY_BYTES:
        return "too long to be a key"
    if kind == "OPENSSH PRIVATE KEY":
        return _openssh_problem(data)
    if legacy_encrypted:
        return None if len(data) % 8 == 0 else "encrypted body is not whole cipher blocks"
    return _der_problem(data, encrypted_pkcs8=kind == "ENCRYPTED PRIVATE KEY")


@register("private_key")
def check_private_key(value: str, params: Mapping[str, Any]) -> str | None:
    """A PEM private key block (escaped, quoted or concatenated in source text) whose body is a key's structure."""
    return private_key_problem(value)


_ENCODED_PREFIX = "LS0tLS1CRUdJTi"  # base64 of '-----BEGIN' at the start of a file


@register("base64_private_key")
def check_base64_private_key(value: str, params: Mapping[str, Any]) -> str | None:
    """Base64 of a PEM file that holds a private key (as in Kubernetes secrets and CI variables)."""
    cleaned = "".join(value.split())
    if not cleaned.startswith(_ENCODED_PREFIX):
        return "does not start with the base64 of a BEGIN line"
    try:
        decoded = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return "not base64 of a text file"
    return private_key_problem(decoded)
