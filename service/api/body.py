"""Request bodies without a declared length (``Transfer-Encoding: chunked``) held to the body limit.

werkzeug bounds such a stream at ``MAX_CONTENT_LENGTH`` by stopping there: the rest is
silently dropped and the request looks complete. Here the body is read up to one byte
past the limit before anything parses it; one byte too many is a 413. A body within the
limit is put back with its now-known length, so every content type and route reads it as
if the client had sent ``Content-Length``.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

from service.api.problems import Problem

READ_SIZE = 64 * 1024
MEMORY_BEFORE_DISK = 1024 * 1024  # larger buffered bodies go to a temporary file, as werkzeug does for uploads


def body_too_large(limit: int) -> Problem:
    # The rest of the body is not read: the connection cannot be reused.
    return Problem(
        413,
        "body-too-large",
        f"The request body is larger than the configured limit of {limit} bytes.",
        headers={"Connection": "close"},
    )


def bound_streamed_body(environ: dict[str, Any], limit: int) -> IO[bytes] | None:
    """Read a body of unknown length into a buffer, refusing it when it exceeds ``limit`` bytes.

    Returns the buffer now standing for the body (the caller closes it after the request),
    or None when there was nothing to do.
    """
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if environ.get("CONTENT_LENGTH") and not chunked:
        return None  # the declared length is checked against the limit before reading (werkzeug and the routes)
    if not environ.get("wsgi.input_terminated"):
        if chunked:
            # The server passes the raw chunked stream; reading it could block and would not decode it.
            raise Problem(411, "length-required", "This server cannot read chunked bodies: send a Content-Length.")
        return None  # no body
    stream = environ["wsgi.input"]
    data = stream.read(min(READ_SIZE, limit + 1))
    if not data:
        return None  # gunicorn marks every input terminated; most requests without a length have no body
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=MEMORY_BEFORE_DISK)  # noqa: SIM115  # closed by the caller
    size = 0
    while data:
        buffer.write(data)
        size += len(data)
        if size > limit:
            buffer.close()
            raise body_too_large(limit)
        data = stream.read(min(READ_SIZE, limit + 1 - size))
    buffer.seek(0)
    environ["wsgi.input"] = buffer
    environ["CONTENT_LENGTH"] = str(size)
    # The body is decoded and its length known: the request now reads as one sent with Content-Length.
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    del environ["wsgi.input_terminated"]
    return buffer
