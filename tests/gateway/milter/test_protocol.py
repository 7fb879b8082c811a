"""The milter wire format, the configuration and the reply texts, on bytes alone."""

from __future__ import annotations

import struct

import pytest

from service.config import Settings
from service.gateway.milter import protocol as p
from service.gateway.milter.config import MilterConfig, OversizeAction, config_from_environ, config_from_settings
from service.gateway.milter.message import MessageBuffer
from service.gateway.milter.replies import answer, reject, safe
from service.gateway.milter.server import Endpoint, parse_bind
from service.policy.model import Action, Direction, RuleHit, Verdict


def test_a_frame_is_its_length_then_command_and_data() -> None:
    assert p.encode(p.ADDHEADER, b"X\0y\0") == b"\x00\x00\x00\x05hX\0y\0"
    assert p.split_frame(b"Lname\0value\0") == (p.HEADER, b"name\0value\0")


@pytest.mark.parametrize("length", [0, 300_000])
def test_empty_and_oversize_frames_are_refused(length: int) -> None:
    with pytest.raises(p.ProtocolError):
        p.frame_length(struct.pack(">I", length), 256 * 1024)


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(p.ProtocolError, match="unknown command"):
        p.split_frame(b"Zxyz")


def test_strings_must_be_nul_terminated() -> None:
    assert p.strings(b"a\0b\0") == ["a", "b"]
    with pytest.raises(p.ProtocolError):
        p.strings(b"a\0b")


def test_connect_gives_the_address_of_inet_families_only() -> None:
    ipv4 = b"client.example\x004" + struct.pack(">H", 25) + b"192.0.2.1\0"
    ipv6 = b"client6\x006" + struct.pack(">H", 25) + b"2001:db8::1\0"
    assert p.parse_connect(ipv4) == ("client.example", "192.0.2.1")
    assert p.parse_connect(ipv6) == ("client6", "2001:db8::1")
    assert p.parse_connect(b"localhost\0U") == ("localhost", None)
    with pytest.raises(p.ProtocolError):
        p.parse_connect(b"client\x004\x00")


def test_macros_lose_their_braces() -> None:
    stage, macros = p.parse_macros(b"C{daemon_name}\0ORIGINATING\0j\0mx.example\0")
    assert stage == p.CONNECT
    assert macros == {"daemon_name": "ORIGINATING", "j": "mx.example"}


def test_envelope_addresses_lose_brackets_and_parameters() -> None:
    assert p.parse_address(b"<alice@example.com>\0SIZE=100\0") == "alice@example.com"
    with pytest.raises(p.ProtocolError):
        p.parse_address(b"")


def test_negotiation_needs_three_words_and_version_two() -> None:
    assert p.parse_optneg(struct.pack(">III", 6, 0x1FF, 0x1FFFFF)) == p.Negotiation(6, 0x1FF, 0x1FFFFF)
    with pytest.raises(p.ProtocolError):
        p.parse_optneg(b"\0\0\0\6")
    with pytest.raises(p.ProtocolError):
        p.parse_optneg(struct.pack(">III", 1, 0, 0))


def test_the_message_is_rebuilt_with_crlf_and_stops_growing_past_its_limit() -> None:
    buffer = MessageBuffer(100)
    buffer.add_header("Subject", "two\n\tlines")
    buffer.add_body(b"hello\r\n")
    assert buffer.content() == b"Subject: two\r\n\tlines\r\n\r\nhello\r\n"
    buffer.add_body(b"x" * 200)
    assert buffer.oversize
    assert buffer.content() == b""


@pytest.mark.parametrize(
    ("bind", "endpoint"),
    [
        ("inet:127.0.0.1:8891", Endpoint("127.0.0.1", 8891)),
        ("127.0.0.1:10025", Endpoint("127.0.0.1", 10025)),
        ("inet:8891@localhost", Endpoint("localhost", 8891)),
        ("inet:[::1]:8891", Endpoint("::1", 8891)),
        ("unix:/run/dlp/milter.sock", Endpoint(path="/run/dlp/milter.sock")),
    ],
)
def test_bind_addresses_in_postfix_and_sendmail_notation(bind: str, endpoint: Endpoint) -> None:
    assert parse_bind(bind) == endpoint


def test_a_bad_bind_address_is_refused() -> None:
    with pytest.raises(ValueError, match="not a milter address"):
        parse_bind("inet:localhost")


def test_settings_come_from_dlp_milter_variables() -> None:
    config = config_from_environ(
        {
            "DLP_MILTER_BIND": "inet:0.0.0.0:9000",
            "DLP_MILTER_WORKERS": "8",
            "DLP_MILTER_OVERSIZE_ACTION": "Reject",
            "DLP_MILTER_DAEMON_DIRECTIONS": "ORIGINATING=outbound, MX=inbound",
            "DLP_MILTER_HEADER_ON_ALLOW": "yes",
            "DLP_MILTER_INSPECT_TIMEOUT": "12.5",
        }
    )
    assert config.bind == "inet:0.0.0.0:9000"
    assert config.workers == 8
    assert config.oversize_action == OversizeAction.REJECT
    assert config.daemon_directions == {"ORIGINATING": Direction.OUTBOUND, "MX": Direction.INBOUND}
    assert config.header_on_allow is True
    assert config.inspect_timeout == 12.5
    assert config.max_message_bytes == MilterConfig().max_message_bytes


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DLP_MILTER_WORKERS", "0"),
        ("DLP_MILTER_WORKERS", "many"),
        ("DLP_MILTER_MAX_FRAME_BYTES", "1000"),
        ("DLP_MILTER_REJECT_CODE", "451"),
        ("DLP_MILTER_OVERSIZE_ACTION", "ignore"),
        ("DLP_MILTER_HEADER_ON_ALLOW", "perhaps"),
        ("DLP_MILTER_HEADER_NAME", "X DLP"),
    ],
)
def test_a_bad_setting_is_named(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match="DLP_MILTER_"):
        config_from_environ({variable: value})


def test_reply_texts_are_single_line_printable_ascii_without_percent_signs() -> None:
    assert safe("100%\r\nDATA") == "100???DATA"
    verdict = Verdict(Action.BLOCK, "p%s", rules=(RuleHit("r\n1", Action.BLOCK),))
    frame = reject(verdict, MilterConfig()).frames[0]
    assert frame.endswith(b'550 5.7.1 Message refused by data-loss-prevention policy "p?s" (rule: r?1)\0')


def test_quarantine_falls_back_to_a_rejection_when_the_mta_does_not_offer_it() -> None:
    verdict = Verdict(Action.QUARANTINE, "hold", rules=(RuleHit("review", Action.QUARANTINE),))
    held = answer(verdict, MilterConfig(), p.ACT_ADDHDRS | p.ACT_QUARANTINE)
    assert held.outcome == "quarantine"
    assert held.frames[0] == p.quarantine("DLP policy hold: review")
    assert p.add_header("X-DLP-Verdict", "quarantine; policy=hold") in held.frames
    assert answer(verdict, MilterConfig(), p.ACT_ADDHDRS).outcome == "reject"


def test_an_allowed_message_gets_the_header_only_when_configured() -> None:
    verdict = Verdict(Action.ALLOW, "default")
    assert answer(verdict, MilterConfig(), p.ACT_ADDHDRS).frames == (p.encode(p.ACCEPT),)
    with_header = answer(verdict, MilterConfig(header_on_allow=True), p.ACT_ADDHDRS).frames
    assert with_header == (p.add_header("X-DLP-Verdict", "allow; policy=default"), p.encode(p.ACCEPT))


def test_forged_verdict_headers_are_deleted_last_first() -> None:
    frames = answer(Verdict(Action.ALLOW, "default"), MilterConfig(), p.ACT_CHGHDRS, forged_headers=2).frames
    assert frames[:2] == (p.delete_header("X-DLP-Verdict", 2), p.delete_header("X-DLP-Verdict", 1))


def test_service_settings_give_the_defaults_and_variables_win() -> None:
    settings = Settings(max_body_bytes=5_000_000, request_time_limit=20.0, threads=3)
    config = config_from_settings(settings, {})
    assert (config.max_message_bytes, config.inspect_timeout, config.workers) == (5_000_000, 30.0, 3)
    assert config_from_settings(settings, {"DLP_MILTER_WORKERS": "6"}).workers == 6
