"""One milter connection's state: what was negotiated, the macros, the envelope and the
message being collected. It turns commands into replies or a request to inspect, and
does no I/O, so the protocol's sequence can be tested without a socket."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.classify import Document
from service.gateway.milter import protocol as p
from service.gateway.milter.config import MilterConfig
from service.gateway.milter.message import MessageBuffer
from service.policy.model import Channel, ChannelKind

# Macros asked of the MTA (v6 symbol lists): the daemon name sets the direction, the queue id
# ("i") names the message in logs.
REQUESTED_MACROS = {p.STAGE_CONNECT: "{daemon_name} {client_addr} j", p.STAGE_ENVFROM: "i", p.STAGE_EOM: "i"}
# The actions the filter may use: add its header, remove forged copies of it, quarantine.
WANTED_ACTIONS = p.ACT_ADDHDRS | p.ACT_CHGHDRS | p.ACT_QUARANTINE


@dataclass(frozen=True)
class Replies:
    frames: tuple[bytes, ...] = ()
    close: bool = False


@dataclass(frozen=True)
class Inspect:
    """End of message: the message to classify, on its channel."""

    document: Document
    channel: Channel
    queue_id: str | None


@dataclass(frozen=True)
class Oversize:
    size: int


@dataclass
class Envelope:
    sender: str | None = None
    recipients: list[str] = field(default_factory=list)


class Session:
    def __init__(self, config: MilterConfig) -> None:
        self.config = config
        self.negotiated = False
        self.actions = 0
        self.steps = 0
        self.macros: dict[str, str] = {}
        self.client_address: str | None = None
        self.envelope = Envelope()
        self.message = MessageBuffer(config.max_message_bytes)
        self.verdict_headers = 0  # copies of our verdict header the message already carries

    def can(self, action: int) -> bool:
        return bool(self.actions & action)

    def feed(self, command: bytes, data: bytes) -> Replies | Inspect | Oversize:
        if command == p.OPTNEG:
            return self._negotiate(data)
        if not self.negotiated:
            raise p.ProtocolError("a command before option negotiation")
        if command == p.MACRO:
            _, macros = p.parse_macros(data)
            self.macros.update(macros)
            return Replies()
        if command in (p.QUIT, p.QUIT_NC):
            return self._quit(command)
        if command == p.ABORT:
            self._new_message()
            return Replies()
        if command == p.EOB:
            return self._end_of_message(data)
        self._record(command, data)
        return self._step_reply(command)

    def _negotiate(self, data: bytes) -> Replies:
        offer = p.parse_optneg(data)
        version = min(offer.version, p.VERSION)
        self.actions = offer.actions & WANTED_ACTIONS
        # Steps can only be left out or made silent if the MTA offers to.
        self.steps = offer.steps & p.WANTED_STEPS
        macros = None
        if version >= 6 and offer.actions & p.ACT_SETSYMLIST:
            self.actions |= p.ACT_SETSYMLIST
            macros = REQUESTED_MACROS
        self.negotiated = True
        return Replies((p.encode_optneg(version, self.actions, self.steps, macros),))

    def _record(self, command: bytes, data: bytes) -> None:
        if command == p.CONNECT:
            _, self.client_address = p.parse_connect(data)
        elif command == p.MAIL:
            self._new_message()
            self.envelope.sender = p.parse_address(data)
        elif command == p.RCPT:
            self.envelope.recipients.append(p.parse_address(data))
        elif command == p.HEADER:
            name, value = p.parse_header(data)
            if name.lower() == self.config.header_name.lower():
                self.verdict_headers += 1
            self.message.add_header(name, value)
        elif command == p.EOH:
            self.message.end_headers()
        elif command == p.BODY:
            self.message.add_body(data)

    def _step_reply(self, command: bytes) -> Replies:
        silent = p.NO_REPLY_STEP.get(command, 0)
        if self.steps & silent:
            return Replies()
        return Replies((p.encode(p.CONTINUE),))

    def _end_of_message(self, data: bytes) -> Inspect | Oversize:
        if data:  # libmilter's rule: data on end-of-body is a last body chunk
            self.message.add_body(data)
        self.message.end_headers()
        if self.message.oversize:
            return Oversize(self.message.size)
        document = Document(self.message.content(), name="message.eml", media_type="message/rfc822")
        return Inspect(document, self.channel(), self.macros.get("i"))

    def channel(self) -> Channel:
        direction = self.config.daemon_directions.get(self.macros.get("daemon_name", ""), self.config.direction)
        return Channel(
            kind=ChannelKind.MAIL,
            direction=direction,
            content_type="message/rfc822",
            sender=self.envelope.sender,
            recipients=tuple(self.envelope.recipients),
            client_address=self.client_address or self.macros.get("client_addr"),
        )

    def end_message(self) -> None:
        """After the end-of-message reply: the next MAIL starts a new message on this connection."""
        self._new_message()

    def _new_message(self) -> None:
        self.envelope = Envelope()
        self.message = MessageBuffer(self.config.max_message_bytes)
        self.verdict_headers = 0

    def _quit(self, command: bytes) -> Replies:
        if command == p.QUIT:
            return Replies(close=True)
        # QUIT_NC: the connection stays, for a new SMTP session: forget the old one.
        self._new_message()
        self.macros.clear()
        self.client_address = None
        return Replies()
