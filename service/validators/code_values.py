"""Values that code, logs and documentation put where a secret or an address could be.

A password name followed by ``=`` is as often a variable, a call or a test-log status as a
password; an address-shaped number is as often a version or a section number. Each
heuristic here is a small named pure predicate, tested on its own; the validators at the
end combine them for the definitions.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import regex
from marshmallow import Schema, fields, validate

from service.validators.registry import register

# Values a program writes for "nothing": never a secret.
CODE_LITERALS = frozenset(
    {
        "none", "null", "nil", "undefined", "nullptr", "true", "false", "yes", "no", "on", "off", "empty", "unset",
        "nothing", "default", "required", "optional", "string", "str", "bytes", "int", "object", "any", "void",
        "return", "self", "this", "new", "await", "lambda", "function",
    }
)  # fmt: skip

# One word of an identifier: Capitalized, lower, UPPER, or a word with trailing digits (sha256, TLSv1, V2).
_WORD = r"(?:[A-Z]?[a-z]{2,}|[A-Z]{2,}(?![a-z])|[A-Z](?=[A-Z][a-z]|\d|$))\d{0,4}"
_CAMEL = regex.compile(rf"^(?:{_WORD})+$")
# A name made of identifier parts joined by _, ., -, ::, ->, : or / (getpass_bytes, cfg.get, pw_uid:pw_gid).
_PART = r"[A-Za-z][A-Za-z0-9]*"
_JOINED = regex.compile(rf"^_{{0,2}}{_PART}(?:(?:_{{1,2}}|\.|::|->|-|:|/)(?:{_PART}|\d{{1,4}})){{1,12}}_{{0,2}}$")
_SINGLE_WORD = regex.compile(r"^(?:[A-Za-z][a-z]+|[A-Z]+|[a-z]+)$")
_FLAG = regex.compile(r"^--?[A-Za-z][A-Za-z0-9_.-]*(?:=.*)?$")
_FORMAT_PLACEHOLDER = regex.compile(
    r"%(?:\(\w+\))?[-+#0 ]*\d*(?:\.\d+)?[sdifrxXeEgGcbo]|\{[\w.\[\]:!]*\}|\$\{\w+\}|^!?\$[A-Za-z_]\w*$"
    r"|#\{\w+\}|\{\{[^{}]*\}\}"
)
_CALL_OR_INDEX = regex.compile(r"^[A-Za-z_$][\w$.]*\s*[(\[]")
_PATH = regex.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:\\)|/[\w.-]+\.[A-Za-z][A-Za-z0-9]{0,5}:?$|^[\w.-]+(?:/[\w.-]+){2,}$")
_SENTENCE_PUNCTUATION = ".,;:!?"
# Roff escapes in man pages: font changes, no-break spaces, escaped minus signs.
_ROFF = regex.compile(r"\\f(?:\[[^\]]*\]|\(..|.)|\\&|\\\(..|\\\*\(..|\\s[-+]?\d|\\e|\\-")


def strip_roff(value: str) -> str:
    """The value without man-page escapes (``\\fB``, ``\\-``, ``\\&``)."""
    stripped: str = _ROFF.sub(lambda m: "-" if m.group(0) == "\\-" else "", value)
    return stripped


def looks_like_identifier(value: str) -> bool:
    """A program's name for something, not a random value.

    CamelCase or snake_case words (``ApiGatewayV2WSAuthorizer``, ``getpass_bytes``,
    ``SSL_OP_NO_TLSv1``), names joined by dots, colons or slashes (``cfg.get``,
    ``pw_uid:pw_gid``), and command-line flags (``--symmetric``). Random strings have
    few real words: their letters break into short runs between digits and case changes.
    """
    stripped = value.strip().rstrip(_SENTENCE_PUNCTUATION)
    if not stripped:
        return False
    if _FLAG.match(stripped):
        return True
    if _CAMEL.match(stripped) and _word_coverage(stripped) >= 0.75:
        return True
    if _JOINED.match(stripped):
        parts = regex.split(r"_{1,2}|\.|::|->|-|:|/", stripped.strip("_"))
        has_word = any(len(word) >= 3 and word.isalpha() for word in _words(stripped))
        return has_word and all(_is_wordlike(part) for part in parts if part)
    return False


def _words(value: str) -> list[str]:
    words: list[str] = regex.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", value)
    return words


def _word_coverage(value: str) -> float:
    """The share of characters in letter runs of three or more (real words)."""
    long_runs = sum(len(word) for word in _words(value) if len(word) >= 3 and word.isalpha())
    return long_runs / len(value) if value else 0.0


def _is_wordlike(part: str) -> bool:
    """One part of a joined name: a word, an abbreviation, or a word with a few trailing digits."""
    if part.isdigit():
        return len(part) <= 4
    words = _words(part)
    digit_runs = sum(1 for word in words if word.isdigit())
    if digit_runs > 1 or (digit_runs == 1 and not words[-1].isdigit()):
        return False
    letter_runs = regex.findall(r"[A-Za-z]{3,}", part)
    return len(part) <= 4 or sum(map(len, letter_runs)) >= 0.6 * len(part)


def is_single_word(value: str) -> bool:
    """Letters only, one word: ``lexer``, ``INDEX``, ``Likewise.`` (as code or prose writes them)."""
    return _SINGLE_WORD.match(value.strip().rstrip(_SENTENCE_PUNCTUATION)) is not None


def is_code_literal(value: str) -> bool:
    """``None``, ``NULL``, ``nil``, ``undefined``, ``""``… what code assigns for "no value"."""
    stripped = value.strip().strip("\"'`").rstrip(";,").strip()
    return stripped == "" or stripped.casefold() in CODE_LITERALS


def is_code_expression(value: str) -> bool:
    """A call, an index or a format placeholder: ``getpass.getpass(``, ``config[``, ``%s``, ``{password}``."""
    return _CALL_OR_INDEX.match(value) is not None or _FORMAT_PLACEHOLDER.search(value) is not None


def looks_like_path(value: str) -> bool:
    """A file or URL path: ``/home/alice``, ``gdb.cp/inherit.exp:``, ``src/login.c``."""
    return _PATH.search(value.strip()) is not None


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(count / total * math.log2(count / total) for count in counts.values())


def character_classes(value: str) -> int:
    """How many of lower case, upper case, digits and symbols the value uses."""
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def looks_random(value: str, min_entropy: float = 3.0, min_classes: int = 2) -> bool:
    """Enough entropy and character classes for a generated secret, and no identifier shape."""
    if looks_like_identifier(value):
        return False
    return shannon_entropy(value) >= min_entropy and character_classes(value) >= min_classes


# -- network values -----------------------------------------------------------------------


def looks_like_version_number(value: str) -> bool:
    """Four small numbers (``1.15.7.1``, ``4.6.1.0``, ``2.5.5.2``): a version or section, not a host.

    All octets below 32 and not one number repeated (``8.8.8.8`` and ``1.1.1.1`` are resolvers).
    """
    try:
        octets = [int(part) for part in value.split(".")]
    except ValueError:
        return False
    return len(octets) == 4 and all(octet < 32 for octet in octets) and len(set(octets)) > 1


def is_special_ipv6(value: str) -> bool:
    """Unspecified, loopback, multicast or documentation address, however it is written (``0::0``)."""
    try:
        address = ipaddress.IPv6Address(value.split("%")[0])
    except ValueError:
        return True
    documentation = ipaddress.IPv6Network("2001:db8::/32")
    return address.is_unspecified or address.is_loopback or address.is_multicast or address in documentation


def is_network_prefix_ipv6(value: str) -> bool:
    """``2600:1901:0:0:0:0:0:0``: a /64 prefix written out, its interface identifier all zero."""
    try:
        address = ipaddress.IPv6Address(value.split("%")[0])
    except ValueError:
        return False
    return int(address) & ((1 << 64) - 1) == 0


def looks_like_slice(value: str) -> bool:
    """``3::2``, ``1::``, ``800::800``: a slice or a filter handle, not an address (two decimal groups)."""
    groups = [group for group in value.split(":") if group]
    return "::" in value and len(groups) <= 2 and all(group.isdigit() for group in groups)


def is_decimal_sample_ipv6(value: str) -> bool:
    """``0:1:2:3:4:5:6:7``: six or more groups of small decimal numbers, a counting sample of documentation."""
    groups = [group for group in value.split(":") if group]
    return len(groups) >= 6 and all(group.isdigit() and len(group) <= 3 for group in groups)


_HEX_RUNS = ("0123456789abcdef", "fedcba9876543210")
_SAMPLE_WORDS = ("deadbeef", "cafe", "beef", "c0ffee", "facade", "decade", "badc0de", "abcdef")


def looks_like_sample_mac(value: str) -> bool:
    """A made-up MAC address: sequential or repeated octets, doubled digits, hex words (``de:ad:be:ef``)."""
    digits = regex.sub(r"[^0-9a-f]", "", value.lower())
    if len(digits) != 12:
        return False
    if any(run[start : start + 6] in digits for run in _HEX_RUNS for start in range(len(run) - 5)):
        return True
    if any(word in digits for word in _SAMPLE_WORDS):
        return True
    octets = [int(digits[i : i + 2], 16) for i in range(0, 12, 2)]
    if max(Counter(octets).values()) >= 4:
        return True
    doubled = sum(1 for i in range(0, 12, 2) if digits[i] == digits[i + 1])
    if doubled >= 4:
        return True
    steps = [b - a for a, b in itertools.pairwise(octets)]
    return any(steps[i] == steps[i + 1] != 0 and abs(steps[i]) <= 0x11 for i in range(len(steps) - 1))


def is_group_mac(value: str) -> bool:
    """A multicast or broadcast MAC (the least significant bit of the first octet set): no one device's."""
    digits = regex.sub(r"[^0-9a-f]", "", value.lower())
    return len(digits) == 12 and int(digits[:2], 16) & 1 == 1


# -- e-mail ---------------------------------------------------------------------------------

PLACEHOLDER_DOMAINS = frozenset({"example.com", "example.org", "example.net", "localhost", "localdomain"})
PLACEHOLDER_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "tld", "domain", "lan"})


def is_placeholder_email(value: str) -> bool:
    """An address of a reserved domain (RFC 2606, RFC 6761) or a masked mailbox: never someone's."""
    local, _, domain = value.rpartition("@")
    domain = domain.lower().rstrip(".")
    if domain in PLACEHOLDER_DOMAINS or any(domain.endswith("." + d) for d in PLACEHOLDER_DOMAINS):
        return True
    if domain.rsplit(".", 1)[-1] in PLACEHOLDER_TLDS:
        return True
    body = local.lower()
    return len(body) >= 3 and set(body) <= set("x*.#")


# -- credentials in URLs -------------------------------------------------------------------

TRIVIAL_PASSWORDS = frozenset({"pass", "passwd", "password", "secret", "pwd", "pw", "xxx", "token", "changeme", "test"})


def is_trivial_url_password(credentials: str) -> bool:
    """``user:pass`` of a test or documentation URL: short, one lower-case word, digits only, repeated or the user."""
    user, _, password = credentials.partition(":")
    decoded = regex.sub(r"%[0-9A-Fa-f]{2}", "x", password)
    if len(decoded) < 6 or password.casefold() in TRIVIAL_PASSWORDS or password.casefold() == user.casefold():
        return True
    if regex.fullmatch(r"[a-z]{1,12}|\d{1,8}", password):
        return True
    return len(set(password)) <= 2


# -- validators -----------------------------------------------------------------------------


class CodeValueParams(Schema):
    # Quoted values are literals: a single word or letters only may well be a password there.
    allow_quoted_words = fields.Boolean(load_default=True)


def code_value_reason(raw: str, allow_quoted_words: bool = True) -> str | None:
    """Why a value written after a secret's name is code, not a secret; None when it may be one."""
    quoted = raw[:1] in "\"'`" or raw[:2] in {'r"', "r'", 'b"', "b'", 'u"', "u'", '@"'}
    value = strip_roff(raw.lstrip("rbu@").strip("\"'`"))
    if is_code_literal(value):
        return "a code literal for no value"
    if is_code_expression(value):
        return "a call, an index or a format placeholder"
    if looks_like_path(value):
        return "a file or URL path"
    if quoted:
        if _FLAG.match(value) or (not allow_quoted_words and is_single_word(value)):
            return "an identifier"
        if _JOINED.match(value) and looks_like_identifier(value) and value == value.lower() and "_" in value:
            return "an identifier"
        return None
    if looks_like_identifier(value) or is_single_word(value):
        return "an identifier"
    if value.endswith(tuple(_SENTENCE_PUNCTUATION)) and looks_like_identifier(value[:-1]):
        return "a word of a sentence"
    return None


@register("not_code_value", params=CodeValueParams)
def check_not_code_value(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects variables, calls, code literals, paths, flags and identifiers written where a secret would be."""
    return code_value_reason(value, params["allow_quoted_words"])


class RandomParams(Schema):
    min_entropy = fields.Float(load_default=3.0, validate=validate.Range(min=0, max=8))
    min_classes = fields.Integer(load_default=2, validate=validate.Range(min=1, max=4))


@register("looks_random", params=RandomParams)
def check_looks_random(value: str, params: Mapping[str, Any]) -> str | None:
    """A generated secret: entropy and mixed character classes, without the shape of an identifier."""
    if looks_like_identifier(value):
        return "an identifier"
    if shannon_entropy(value) < params["min_entropy"]:
        return "too little entropy for a generated secret"
    if character_classes(value) < params["min_classes"]:
        return "too few character classes for a generated secret"
    return None


@register("not_version_number")
def check_not_version_number(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects four small numbers: a version, section or OID rather than a host's address."""
    return "looks like a version or section number" if looks_like_version_number(value) else None


@register("routable_ipv6")
def check_routable_ipv6(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects unspecified, loopback, multicast and documentation IPv6 addresses and slice-like values."""
    if looks_like_slice(value):
        return "a slice or a handle, not an address"
    if is_decimal_sample_ipv6(value):
        return "a counting sample of documentation"
    if is_special_ipv6(value):
        return "an unspecified, loopback, multicast or documentation address"
    if is_network_prefix_ipv6(value):
        return "a network prefix written in full (its interface part is zero)"
    return None


@register("not_sample_mac")
def check_not_sample_mac(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects made-up MAC addresses of documentation and group addresses no device owns."""
    if is_group_mac(value):
        return "a multicast or broadcast group, not a device"
    return "looks like a sample address" if looks_like_sample_mac(value) else None


@register("not_placeholder_email")
def check_not_placeholder_email(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects addresses of reserved example domains and masked mailboxes."""
    return "a reserved example domain or a masked mailbox" if is_placeholder_email(value) else None


@register("not_trivial_url_password")
def check_not_trivial_url_password(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects ``user:password`` pairs of test URLs: short, single-word, numeric, repeated or equal to the user."""
    return "a trivial password of a test URL" if is_trivial_url_password(value) else None
