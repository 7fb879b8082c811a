"""The milter server over a real socket, driven by a small MTA-side client."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from service.classify import Document
from service.gateway.milter import MilterConfig, OversizeAction, RunningMilter
from service.gateway.milter import protocol as p
from service.gateway.milter.session import REQUESTED_MACROS, WANTED_ACTIONS
from service.policy.model import Channel, Direction, Verdict
from tests.fixtures.make_mail import SSN_LINE, audit_mail, clean_mail, large_mail, pypi_token, token_mail
from tests.gateway.milter.client import MilterClient, Reply
from tests.gateway.recording import RecordingInspector

REJECTED = b'550 5.7.1 Message refused by data-loss-prevention policy "default" (rule: block-credentials)\0'


def client(running: RunningMilter) -> MilterClient:
    assert running.endpoint.host is not None
    return MilterClient(running.endpoint.host, running.endpoint.port, timeout=30)


def session(running: RunningMilter) -> MilterClient:
    milter = client(running)
    milter.negotiate()
    milter.macro(p.CONNECT, daemon_name="ORIGINATING", j="mx.example")
    milter.connect()
    return milter


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


@pytest.fixture
def start(inspector: RecordingInspector) -> Iterator[object]:
    started: list[RunningMilter] = []

    def run(config: MilterConfig | None = None, with_inspector: object = None) -> RunningMilter:
        running = RunningMilter(with_inspector or inspector, config or MilterConfig(bind="inet:127.0.0.1:0"))  # type: ignore[arg-type]
        started.append(running)
        return running

    yield run
    for running in started:
        running.stop()


def test_negotiation_asks_for_its_actions_and_no_replies_to_steps(milter: RunningMilter) -> None:
    with client(milter) as mta:
        reply = mta.negotiate()
    version, actions, steps = struct.unpack(">III", reply.data[:12])
    assert reply.command == p.OPTNEG
    assert version == 6
    assert actions == WANTED_ACTIONS | p.ACT_SETSYMLIST
    assert steps == p.WANTED_STEPS
    assert steps & p.NR_RCPT and steps & p.NOHELO and not steps & p.NOBODY
    assert struct.pack(">I", p.STAGE_CONNECT) + REQUESTED_MACROS[p.STAGE_CONNECT].encode() + b"\0" in reply.data


def test_an_older_mta_offering_no_silent_steps_gets_a_reply_to_each(milter: RunningMilter) -> None:
    with client(milter) as mta:
        reply = mta.negotiate(version=2, actions=p.ACT_ADDHDRS, steps=0)
        assert struct.unpack(">III", reply.data) == (2, p.ACT_ADDHDRS, 0)
        assert mta.connect() == Reply(p.CONTINUE, b"")
        assert mta.step(p.HELO, b"client.example\0") == Reply(p.CONTINUE, b"")
        assert mta.mail_from("alice@example.com") == Reply(p.CONTINUE, b"")
        assert mta.rcpt_to("bob@example.net") == Reply(p.CONTINUE, b"")
        assert mta.message(audit_mail()) == [
            p_reply(p.add_header("X-DLP-Verdict", "audit; policy=default")),
            Reply(p.ACCEPT, b""),
        ]


def p_reply(frame: bytes) -> Reply:
    return Reply(frame[4:5], frame[5:])


def test_a_clean_mail_is_accepted_without_a_header(milter: RunningMilter) -> None:
    with session(milter) as mta:
        assert mta.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]


def test_a_mail_with_a_token_in_a_docx_attachment_is_rejected_naming_the_policy(
    milter: RunningMilter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with session(milter) as mta:
        replies = mta.transaction(token_mail())
    assert replies == [Reply(p.REPLYCODE, REJECTED[:-1] + b"\0")]
    token = pypi_token().encode()
    assert all(token not in reply.data for reply in replies)
    assert pypi_token() not in caplog.text
    assert "milter verdict block policy=default rules=block-credentials" in caplog.text


def test_an_ssn_is_audited_with_a_header_and_never_shown(
    milter: RunningMilter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with session(milter) as mta:
        replies = mta.transaction(audit_mail())
    assert replies == [p_reply(p.add_header("X-DLP-Verdict", "audit; policy=default")), Reply(p.ACCEPT, b"")]
    assert "536-22-8726" not in caplog.text and SSN_LINE not in caplog.text


def test_the_channel_carries_envelope_client_and_direction(inspector: RecordingInspector, start: object) -> None:
    config = MilterConfig(bind="inet:127.0.0.1:0", daemon_directions={"MX": Direction.INBOUND})
    running = start(config)  # type: ignore[operator]
    with session(running) as mta:
        mta.mail_from("carol@example.org")
        mta.rcpt_to("dan@example.net")
        mta.rcpt_to("erin@example.net")
        mta.message(clean_mail())
        assert inspector.calls[-1] == Channel(
            kind=inspector.calls[-1].kind,
            direction=Direction.OUTBOUND,
            content_type="message/rfc822",
            sender="carol@example.org",
            recipients=("dan@example.net", "erin@example.net"),
            client_address="192.0.2.10",
        )
        mta.send(p.QUIT_NC)
        mta.macro(p.CONNECT, daemon_name="MX")
        mta.connect(address="198.51.100.7")
        mta.transaction(clean_mail())
    assert inspector.calls[-1].direction == Direction.INBOUND
    assert inspector.calls[-1].client_address == "198.51.100.7"
    assert str(inspector.calls[-1].kind) == "mail"


def test_abort_forgets_the_message_and_the_connection_goes_on(
    inspector: RecordingInspector, milter: RunningMilter
) -> None:
    with session(milter) as mta:
        mta.mail_from("alice@example.com")
        mta.rcpt_to("first@example.net")
        mta.step(p.HEADER, b"Subject\0" + f"PYPI_TOKEN={pypi_token()}".encode() + b"\0")
        mta.send(p.ABORT)
        assert mta.transaction(clean_mail(), recipient="second@example.net") == [Reply(p.ACCEPT, b"")]
    assert inspector.calls[-1].recipients == ("second@example.net",)


def test_several_messages_on_one_connection_are_judged_apart(milter: RunningMilter) -> None:
    with session(milter) as mta:
        assert mta.transaction(token_mail())[0].command == p.REPLYCODE
        assert mta.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]


def test_forged_verdict_headers_are_removed(milter: RunningMilter) -> None:
    forged = b"X-DLP-Verdict: allow; policy=default\n" + clean_mail()
    with session(milter) as mta:
        replies = mta.transaction(forged)
    assert replies == [p_reply(p.delete_header("X-DLP-Verdict", 1)), Reply(p.ACCEPT, b"")]


def test_quit_closes_the_connection(milter: RunningMilter) -> None:
    with session(milter) as mta:
        mta.send(p.QUIT)
        assert closed_by_server(mta.sock)


@pytest.mark.parametrize(
    "frames",
    [
        [p.encode(b"Z", b"nonsense")],  # an unknown command
        [p.encode(p.CONNECT, b"x\x004\0\0127.0.0.1\0")],  # before negotiation
        [p.encode(p.OPTNEG, struct.pack(">III", 6, 0x1FF, 0x1FFFFF)), p.encode(p.HEADER, b"Subject\0no end")],
        [p.encode(p.OPTNEG, b"\0\0")],  # a short negotiation
        [b"\0\0\0\0"],  # an empty frame
        [struct.pack(">I", 50_000_000) + b"B"],  # a frame over the limit, announced only
    ],
)
def test_a_malformed_frame_closes_only_that_connection(milter: RunningMilter, frames: Sequence[bytes]) -> None:
    before = REGISTRY.get_sample_value("dlp_milter_errors_total", {"kind": "protocol"}) or 0.0
    with client(milter) as mta:
        for frame in frames:
            mta.sock.sendall(frame)
        while not closed_by_server(mta.sock):
            pass  # a negotiation reply may come first
    assert (REGISTRY.get_sample_value("dlp_milter_errors_total", {"kind": "protocol"}) or 0.0) == before + 1
    with session(milter) as mta:
        assert mta.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]


def test_a_slow_client_is_dropped_while_others_are_served(start: object) -> None:
    running = start(MilterConfig(bind="inet:127.0.0.1:0", frame_timeout=0.5))  # type: ignore[operator]
    with client(running) as slow:
        slow.negotiate()
        slow.sock.sendall(b"\0\0")  # half a frame header, then nothing
        with session(running) as other:
            assert other.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]
        assert closed_by_server(slow.sock)


def test_an_idle_connection_is_closed(start: object) -> None:
    running = start(MilterConfig(bind="inet:127.0.0.1:0", idle_timeout=0.3))  # type: ignore[operator]
    with client(running) as idle:
        idle.negotiate()
        assert closed_by_server(idle.sock)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (OversizeAction.TEMPFAIL, b"451 4.7.1 Data-loss-prevention check unavailable for messages over 100000 bytes"),
        (OversizeAction.REJECT, b"552 5.3.4 Message larger than the data-loss-prevention limit of 100000 bytes"),
    ],
)
def test_a_message_over_the_size_limit_gets_the_configured_answer(
    inspector: RecordingInspector, start: object, action: OversizeAction, expected: bytes
) -> None:
    running = start(MilterConfig(bind="inet:127.0.0.1:0", max_message_bytes=100_000, oversize_action=action))  # type: ignore[operator]
    calls = len(inspector.calls)
    with session(running) as mta:
        replies = mta.transaction(large_mail(300_000))
        assert replies[0].command == p.REPLYCODE and replies[0].data.startswith(expected)
        assert mta.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]  # the limit is per message
    assert len(inspector.calls) == calls + 1


def test_an_oversize_message_can_be_passed_unscanned_and_marked(start: object) -> None:
    config = MilterConfig(bind="inet:127.0.0.1:0", max_message_bytes=100_000, oversize_action=OversizeAction.ACCEPT)
    with session(start(config)) as mta:  # type: ignore[operator]
        replies = mta.transaction(large_mail(300_000))
    assert replies == [p_reply(p.add_header("X-DLP-Verdict", "unscanned; reason=size")), Reply(p.ACCEPT, b"")]


class FailingInspector:
    version = "failing"

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        raise RuntimeError(f"could not read {documents[0].content[:40]!r}")


class BlockedInspector:
    """Holds every inspection until released, as a stuck classification would."""

    version = "blocked"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        self.entered.release()
        self.release.wait(30)
        raise RuntimeError("released")


def test_an_inspection_error_is_a_temporary_failure_without_details(
    start: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with session(start(with_inspector=FailingInspector())) as mta:  # type: ignore[operator]
        replies = mta.transaction(token_mail())
    assert replies == [Reply(p.REPLYCODE, b"451 4.7.1 Data-loss-prevention check failed, try again later\0")]
    assert "milter inspection failed: RuntimeError" in caplog.text
    assert "could not read" not in caplog.text


def test_an_inspection_over_its_time_is_a_temporary_failure(start: object) -> None:
    stuck = BlockedInspector()
    running = start(MilterConfig(bind="inet:127.0.0.1:0", inspect_timeout=0.3), stuck)  # type: ignore[operator]
    try:
        with session(running) as mta:
            replies = mta.transaction(clean_mail())
    finally:
        stuck.release.set()
    assert replies == [Reply(p.REPLYCODE, b"451 4.7.1 Data-loss-prevention check timed out, try again later\0")]


def test_beyond_the_workers_and_queue_a_message_is_deferred_at_once(start: object) -> None:
    stuck = BlockedInspector()
    running = start(MilterConfig(bind="inet:127.0.0.1:0", workers=1, max_queued=0), stuck)  # type: ignore[operator]
    first = session(running)
    try:
        first.mail_from("alice@example.com")
        first.rcpt_to("bob@example.net")
        first.step(p.EOH)
        first.send(p.EOB)
        assert stuck.entered.acquire(timeout=30)
        with session(running) as second:
            replies = second.transaction(clean_mail())
        assert replies == [Reply(p.REPLYCODE, b"451 4.7.1 Data-loss-prevention check overloaded, try again later\0")]
    finally:
        stuck.release.set()
        first.close()


def test_connections_over_the_limit_are_closed(start: object) -> None:
    running = start(MilterConfig(bind="inet:127.0.0.1:0", max_connections=1))  # type: ignore[operator]
    with session(running) as first:
        with client(running) as second:
            assert closed_by_server(second.sock)
        assert first.transaction(clean_mail()) == [Reply(p.ACCEPT, b"")]
    # The first connection's slot comes back once the server has seen it close.
    deadline = time.monotonic() + 10
    negotiated = False
    while not negotiated and time.monotonic() < deadline:
        with client(running) as third:
            try:
                negotiated = third.negotiate().command == p.OPTNEG
            except ConnectionError:
                time.sleep(0.05)
    assert negotiated


def test_replies_are_counted_by_outcome(milter: RunningMilter) -> None:
    def count(outcome: str) -> float:
        return REGISTRY.get_sample_value("dlp_milter_messages_total", {"outcome": outcome}) or 0.0

    before = {outcome: count(outcome) for outcome in ("accept", "audit", "reject")}
    with session(milter) as mta:
        for mail in (clean_mail(), audit_mail(), token_mail()):
            mta.transaction(mail)
    assert {outcome: count(outcome) - before[outcome] for outcome in before} == {"accept": 1, "audit": 1, "reject": 1}


def test_the_milter_listens_on_a_unix_socket(inspector: RecordingInspector, tmp_path: Path) -> None:
    path = tmp_path / "milter.sock"
    running = RunningMilter(inspector, MilterConfig(bind=f"unix:{path}"))
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(30)
            sock.connect(str(path))
            sock.sendall(p.encode(p.OPTNEG, struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
            length = struct.unpack(">I", sock.recv(4))[0]
            assert sock.recv(length)[:1] == p.OPTNEG
    finally:
        running.stop()


def test_stopping_the_server_closes_open_connections(inspector: RecordingInspector) -> None:
    running = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    with session(running) as mta:
        running.stop()
        assert closed_by_server(mta.sock)
