"""The milter wire protocol (version 6): frames, command and reply codes, option flags.

A frame is a 4-byte big-endian length, then that many bytes: a one-byte command and its
data. Strings in the data are NUL-terminated. Only the parsing and encoding live here:
no sockets, no policy, so every rule of the format can be tested on bytes alone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VERSION = 6
LENGTH = struct.Struct(">I")

# Commands the MTA sends.
OPTNEG = b"O"
MACRO = b"D"
CONNECT = b"C"
HELO = b"H"
MAIL = b"M"
RCPT = b"R"
DATA = b"T"
HEADER = b"L"
EOH = b"N"
BODY = b"B"
EOB = b"E"
ABORT = b"A"
QUIT = b"Q"
QUIT_NC = b"K"  # quit, but the MTA reuses the connection for a new SMTP session
UNKNOWN = b"U"
COMMANDS = frozenset(
    {OPTNEG, MACRO, CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, EOB, ABORT, QUIT, QUIT_NC, UNKNOWN}
)

# Replies the milter sends.
ACCEPT = b"a"
CONTINUE = b"c"
REJECT = b"r"
TEMPFAIL = b"t"
REPLYCODE = b"y"
ADDHEADER = b"h"
CHGHEADER = b"m"
QUARANTINE = b"q"
PROGRESS = b"p"

# Actions the milter may take at end of message (SMFIF_*).
ACT_ADDHDRS = 0x01
ACT_CHGHDRS = 0x10
ACT_QUARANTINE = 0x20
ACT_SETSYMLIST = 0x100

# Protocol steps (SMFIP_*): NO* = do not send this command, NR_* = send it but expect no reply.
NOCONNECT = 0x01
NOHELO = 0x02
NOMAIL = 0x04
NORCPT = 0x08
NOBODY = 0x10
NOHDRS = 0x20
NOEOH = 0x40
NR_HDR = 0x80
NOUNKNOWN = 0x100
NODATA = 0x200
NR_CONN = 0x1000
NR_HELO = 0x2000
NR_MAIL = 0x4000
NR_RCPT = 0x8000
NR_DATA = 0x10000
NR_UNKN = 0x20000
NR_EOH = 0x40000
NR_BODY = 0x80000

# What the filter asks for: everything it reads (connect, sender, recipients, headers, body)
# without a reply per step; nothing of HELO, DATA or unknown commands, which it never uses.
WANTED_STEPS = (
    NOHELO | NOUNKNOWN | NODATA | NR_CONN | NR_HELO | NR_MAIL | NR_RCPT | NR_DATA | NR_HDR | NR_EOH | NR_BODY | NR_UNKN
)
# The reply each command needs unless its NR_* step was agreed.
NO_REPLY_STEP = {
    CONNECT: NR_CONN,
    HELO: NR_HELO,
    MAIL: NR_MAIL,
    RCPT: NR_RCPT,
    DATA: NR_DATA,
    HEADER: NR_HDR,
    EOH: NR_EOH,
    BODY: NR_BODY,
    UNKNOWN: NR_UNKN,
}

# Macro stages of a v6 symbol-list request (SMFIM_*).
STAGE_CONNECT = 0
STAGE_ENVFROM = 2
STAGE_EOM = 5


class ProtocolError(ValueError):
    """The peer sent something that is not the milter protocol: the connection is closed."""


@dataclass(frozen=True)
class Negotiation:
    """What the MTA offered in SMFIC_OPTNEG."""

    version: int
    actions: int
    steps: int


def encode(command: bytes, data: bytes = b"") -> bytes:
    return LENGTH.pack(len(command) + len(data)) + command + data


def frame_length(header: bytes, max_frame: int) -> int:
    """The length announced by a frame's 4-byte header, checked against ``max_frame``."""
    (length,) = LENGTH.unpack(header)
    if length == 0:
        raise ProtocolError("an empty frame")
    if length > max_frame:
        raise ProtocolError(f"a frame of {length} bytes, over the limit of {max_frame}")
    return int(length)


def split_frame(frame: bytes) -> tuple[bytes, bytes]:
    command, data = frame[:1], frame[1:]
    if command not in COMMANDS:
        raise ProtocolError(f"unknown command {command!r}")
    return command, data


def strings(data: bytes) -> list[str]:
    """NUL-terminated strings, decoded leniently (mail is not always UTF-8)."""
    if data and not data.endswith(b"\0"):
        raise ProtocolError("a string is not NUL-terminated")
    return [item.decode("utf-8", "surrogateescape") for item in data.split(b"\0")[:-1]]


def parse_optneg(data: bytes) -> Negotiation:
    if len(data) < 12:
        raise ProtocolError("option negotiation is shorter than 12 bytes")
    version, actions, steps = struct.unpack(">III", data[:12])
    if version < 2:
        raise ProtocolError(f"protocol version {version} is too old")
    return Negotiation(version, actions, steps)


def encode_optneg(version: int, actions: int, steps: int, macros: dict[int, str] | None = None) -> bytes:
    data = struct.pack(">III", version, actions, steps)
    for stage, names in (macros or {}).items():
        data += struct.pack(">I", stage) + names.encode("ascii") + b"\0"
    return encode(OPTNEG, data)


def parse_macros(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The command the macros belong to and the macros, names without their braces."""
    if not data:
        raise ProtocolError("a macro frame without a command")
    values = strings(data[1:])
    if len(values) % 2:
        values = values[:-1]  # Sendmail ends some lists with a lone name: it carries no value
    return data[:1], {name.strip("{}"): value for name, value in zip(values[::2], values[1::2], strict=True)}


def parse_connect(data: bytes) -> tuple[str, str | None]:
    """The client's host name and address (None for an unknown or local socket family)."""
    end = data.find(b"\0")
    if end < 0 or end + 1 >= len(data):
        raise ProtocolError("a malformed connect frame")
    host = data[:end].decode("utf-8", "surrogateescape")
    family = data[end + 1 : end + 2]
    if family not in (b"4", b"6"):
        return host, None
    if len(data) < end + 5:  # the family byte, a 2-byte port, then the address
        raise ProtocolError("a connect frame without an address")
    address = strings(data[end + 4 :])
    if not address:
        raise ProtocolError("a connect frame without an address")
    return host, address[0]


def parse_address(data: bytes) -> str:
    """The address of MAIL or RCPT, without angle brackets; ESMTP parameters are dropped."""
    values = strings(data)
    if not values:
        raise ProtocolError("an envelope command without an address")
    return values[0].strip().removeprefix("<").removesuffix(">")


def parse_header(data: bytes) -> tuple[str, str]:
    values = strings(data)
    if len(values) != 2:
        raise ProtocolError("a header frame needs a name and a value")
    return values[0], values[1]


def reply_code(code: str, status: str, text: str) -> bytes:
    return encode(REPLYCODE, f"{code} {status} {text}".encode("ascii", "replace") + b"\0")


def add_header(name: str, value: str) -> bytes:
    return encode(ADDHEADER, name.encode("ascii") + b"\0" + value.encode("ascii", "replace") + b"\0")


def delete_header(name: str, index: int) -> bytes:
    """Remove the ``index``-th (from 1) header called ``name``: a change to an empty value."""
    return encode(CHGHEADER, struct.pack(">I", index) + name.encode("ascii") + b"\0\0")


def quarantine(reason: str) -> bytes:
    return encode(QUARANTINE, reason.encode("ascii", "replace") + b"\0")
