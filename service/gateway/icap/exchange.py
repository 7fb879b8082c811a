"""What an ICAP request carries, turned into what the inspector takes: documents and a channel.

REQMOD carries an upload or a form post (decoded into its fields and files), RESPMOD a
download (its Content-Encoding undone within the decoded-size limit). A request URL's
query string is inspected too: credentials are often sent in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from service.classify import Document
from service.gateway.icap.decoding import decode_body
from service.gateway.icap.forms import form_documents
from service.gateway.icap.http import HttpRequestHead, HttpResponseHead
from service.gateway.icap.protocol import Method
from service.policy.model import Channel, ChannelKind, Direction

QUERY_NAME = "url query"
MAX_FORM_PARTS = 1000


@dataclass(frozen=True)
class Exchange:
    method: Method
    request: HttpRequestHead | None
    response: HttpResponseHead | None
    body: bytes  # as sent: still content-encoded
    client_address: str | None = None

    @property
    def body_head(self) -> HttpRequestHead | HttpResponseHead | None:
        """The head describing the body: the response's for RESPMOD, the request's for REQMOD."""
        return self.response if self.method is Method.RESPMOD else self.request


def channel_of(exchange: Exchange) -> Channel:
    head = exchange.body_head
    return Channel(
        kind=ChannelKind.HTTP,
        direction=Direction.INBOUND if exchange.method is Method.RESPMOD else Direction.OUTBOUND,
        method=exchange.request.method if exchange.request else None,
        url_host=exchange.request.host if exchange.request else None,
        content_type=head.media_type if head else None,
        client_address=exchange.client_address,
    )


def _query_document(request: HttpRequestHead | None) -> list[Document]:
    if request is None:
        return []
    pairs = parse_qsl(urlsplit(request.target).query, keep_blank_values=True)
    if not pairs:
        return []
    return [Document("\n".join(f"{name}: {value}" for name, value in pairs), name=QUERY_NAME, media_type="text/plain")]


def _body_documents(exchange: Exchange, max_decoded_bytes: int) -> list[Document]:
    head = exchange.body_head
    if not exchange.body or head is None:
        return []
    body = decode_body(exchange.body, head.content_encodings, max_decoded_bytes)
    if exchange.method is Method.REQMOD:
        forms = form_documents(body, head.headers.get("Content-Type") or "", MAX_FORM_PARTS)
        if forms is not None:
            return forms
        name = "request body"
    else:
        name = (exchange.request.path_name if exchange.request else None) or "response body"
    return [Document(body, name=name, media_type=head.media_type)]


def documents_of(exchange: Exchange, max_decoded_bytes: int) -> list[Document]:
    """The documents to inspect; raises ``UndecodableBody`` when the body cannot be decoded within the limit."""
    query = _query_document(exchange.request) if exchange.method is Method.REQMOD else []
    return query + _body_documents(exchange, max_decoded_bytes)
